package cluster

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/teonet-go/teomq/router"
)

// Commands describes the cluster's commands: each group's copies waiting
// and in flight over all brokers, its dead letters, and the subscribers it
// has on this broker. Messages counts what the stream holds per command.
func (e *Engine) Commands() ([]router.CommandInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	byName := make(map[string]*router.CommandInfo)
	command := func(name string) *router.CommandInfo {
		ci := byName[name]
		if ci == nil {
			ci = &router.CommandInfo{Name: name}
			byName[name] = ci
		}
		return ci
	}
	groups := make(map[groupKey]*router.GroupInfo)
	list := e.msgs.ListConsumers(ctx)
	var infos []*jetstream.ConsumerInfo
	for ci := range list.Info() {
		infos = append(infos, ci)
	}
	if err := list.Err(); err != nil {
		return nil, unavailable(err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Created.Before(infos[j].Created) })
	for _, info := range infos {
		cmd, group, ok := parseGroupConsumer(info.Name)
		if !ok {
			continue
		}
		ci := command(cmd)
		ci.Groups = append(ci.Groups, router.GroupInfo{
			Name:      group,
			Ephemeral: info.Config.InactiveThreshold > 0,
			Pending:   int(info.NumPending) + max(0, info.NumRedelivered),
			InFlight:  max(0, info.NumAckPending-info.NumRedelivered),
		})
		g := &ci.Groups[len(ci.Groups)-1]
		ci.Pending += g.Pending
		ci.InFlight += g.InFlight
		ci.Delivered += info.Delivered.Consumer
	}
	for _, ci := range byName {
		for i := range ci.Groups {
			groups[groupKey{command: ci.Name, group: ci.Groups[i].Name}] = &ci.Groups[i]
		}
	}
	dead, err := e.dead.Info(ctx, jetstream.WithSubjectFilter(e.cfg.Prefix+".d.>"))
	if err != nil {
		return nil, unavailable(err)
	}
	for subject, n := range dead.State.Subjects {
		cmd, group, ok := e.names.parseDeadSubject(subject)
		if !ok {
			continue
		}
		ci := command(cmd)
		ci.DeadLetters += int(n)
		if g := groups[groupKey{command: cmd, group: group}]; g != nil {
			g.Dead += int(n)
		}
	}
	msgs, err := e.msgs.Info(ctx, jetstream.WithSubjectFilter(e.cfg.Prefix+".q.>"))
	if err != nil {
		return nil, unavailable(err)
	}
	for subject, n := range msgs.State.Subjects {
		tok := subject[len(e.cfg.Prefix+".q."):]
		if cmd, ok := untoken(tok); ok {
			command(cmd).Messages = int(n)
		}
	}
	e.mu.Lock()
	for key, g := range e.groups {
		if gi := groups[key]; gi != nil {
			for _, s := range g.subs {
				gi.Consumers = append(gi.Consumers, router.ConsumerInfo{Conn: s.p.conn, Address: s.p.addr, SubID: s.id, Credit: s.credit, Outstanding: s.inflight})
			}
		}
	}
	e.mu.Unlock()
	out := make([]router.CommandInfo, 0, len(byName))
	for _, ci := range byName {
		out = append(out, *ci)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Mailbox counts the results waiting for their producers, over the
// cluster.
func (e *Engine) Mailbox() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	info, err := e.answers.Info(ctx)
	if err != nil {
		return 0, unavailable(err)
	}
	return int(info.State.Msgs), nil
}

// Connections counts this broker's peers.
func (e *Engine) Connections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.peers)
}

// DeleteGroup deletes command's group from the cluster, with the copies it
// holds; it returns how many. A group with subscribers on any broker is in
// use (router.ErrGroupInUse).
func (e *Engine) DeleteGroup(command, group string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	name := e.names.groupConsumer(command, group)
	c, err := consumer(ctx, e.msgs, name)
	if isNotFound(err) {
		return 0, e.unknownGroup(ctx, command)
	}
	if err != nil {
		return 0, unavailable(err)
	}
	info := c.CachedInfo()
	inUse, err := e.groupInUse(ctx, groupKey{command: command, group: group})
	if err != nil {
		return 0, err
	}
	if inUse {
		return 0, router.ErrGroupInUse
	}
	if err := e.msgs.DeleteConsumer(ctx, name); err != nil && !isNotFound(err) {
		return 0, unavailable(err)
	}
	e.tellForget(command)
	// Other brokers may still count on the deleted consumer to keep the
	// command's messages until they hear of it: a command left with no
	// durable group gets its default group again at once, as one broker
	// makes it at the next publish.
	if err := e.keepQueue(ctx, command); err != nil {
		return 0, err
	}
	return int(info.NumPending) + info.NumAckPending, nil
}

// unknownGroup is the error for a group that does not exist: of a
// command that does, or of one that does not.
func (e *Engine) unknownGroup(ctx context.Context, command string) error {
	if err := e.checkCommand(ctx, command); err != nil {
		return err
	}
	return router.ErrUnknownGroup
}

// checkCommand returns router.ErrUnknownCommand if command has no group
// in the cluster.
func (e *Engine) checkCommand(ctx context.Context, command string) error {
	name, err := e.anyGroup(ctx, command)
	switch {
	case err != nil:
		return err
	case name == "":
		return router.ErrUnknownCommand
	}
	return nil
}

// PurgeQueue removes command's messages from every group (not its dead
// letters) and returns how many there were.
func (e *Engine) PurgeQueue(command string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	subject := e.names.msgSubject(command)
	n, err := e.count(ctx, e.msgs, subject)
	if err != nil {
		return 0, err
	}
	replays := e.cfg.Prefix + ".r." + token(command) + ".>"
	r, err := e.count(ctx, e.msgs, replays)
	if err != nil {
		return 0, err
	}
	if n+r == 0 {
		return 0, e.checkCommand(ctx, command)
	}
	for _, sub := range []string{subject, replays} {
		if err := e.msgs.Purge(ctx, jetstream.WithPurgeSubject(sub)); err != nil {
			return 0, unavailable(err)
		}
	}
	return n + r, nil
}

// PurgeDeadLetters removes command's dead letters and returns how many
// there were.
func (e *Engine) PurgeDeadLetters(command string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	subject := e.cfg.Prefix + ".d." + token(command) + ".>"
	n, err := e.count(ctx, e.dead, subject)
	if err != nil {
		return 0, err
	}
	if err := e.dead.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil {
		return 0, unavailable(err)
	}
	return n, nil
}

// count counts the messages of s on subject (a wildcard too).
func (e *Engine) count(ctx context.Context, s jetstream.Stream, subject string) (int, error) {
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, unavailable(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n, nil
}

// deadLetter is a dead letter and where it is in the dead stream.
type deadLetter struct {
	router.DeadLetter
	seq uint64
}

// DeadLetters returns up to limit of command's oldest dead letters, and
// how many it has.
func (e *Engine) DeadLetters(command string, limit int) ([]router.DeadLetter, int, error) {
	dls, total, err := e.readDeadLetters(command, limit, nil)
	if err == nil && total == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		defer cancel()
		err = e.checkCommand(ctx, command)
	}
	out := make([]router.DeadLetter, len(dls))
	for i := range dls {
		out[i] = dls[i].DeadLetter
	}
	return out, total, err
}

// DeadLetter returns command's dead letter id, and whether it has it
// (among its first maxScan dead letters).
func (e *Engine) DeadLetter(command string, id router.ID) (router.DeadLetter, bool, error) {
	dls, _, err := e.readDeadLetters(command, 0, map[router.ID]bool{id: true})
	if err != nil || len(dls) == 0 {
		return router.DeadLetter{}, false, err
	}
	return dls[0].DeadLetter, true, nil
}

// maxScan bounds the dead letters read to find the ones an operator names.
const maxScan = 100_000

// readDeadLetters reads command's dead letters in order: up to limit, or,
// with want set, those whose IDs it holds (looking at up to maxScan).
func (e *Engine) readDeadLetters(command string, limit int, want map[router.ID]bool) ([]deadLetter, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	subject := e.cfg.Prefix + ".d." + token(command) + ".>"
	total, err := e.count(ctx, e.dead, subject)
	if err != nil || total == 0 {
		return nil, total, err
	}
	cons, err := e.dead.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, total, unavailable(err)
	}
	var out []deadLetter
	n := min(total, maxScan)
	if want == nil {
		n = min(total, limit)
	}
	for read := 0; read < n; {
		batch, err := cons.Fetch(min(n-read, 1000), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return out, total, unavailable(err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			m, err := decodeMessage(msg.Headers(), msg.Data())
			if err != nil {
				continue
			}
			if want != nil && !want[m.ID] {
				continue
			}
			attempts, _ := strconv.Atoi(msg.Headers().Get(hdrAttempts))
			dl := deadLetter{DeadLetter: router.DeadLetter{Msg: m, Group: msg.Headers().Get(hdrGroup), Attempts: attempts}}
			if md, err := msg.Metadata(); err == nil {
				dl.seq = md.Sequence.Stream
			}
			out = append(out, dl)
		}
		if got == 0 {
			break
		}
		read += got
	}
	return out, total, nil
}

// Replay hands command's dead letters with the given IDs back to their
// groups (to those groups alone) and returns how many it replayed.
func (e *Engine) Replay(command string, ids []router.ID) (int, error) {
	want := make(map[router.ID]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	dls, total, err := e.readDeadLetters(command, 0, want)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	if total == 0 {
		return 0, e.checkCommand(ctx, command)
	}
	n := 0
	for _, dl := range dls {
		msg := encodeMessage(e.names.replaySubject(command, dl.Group), dl.Msg)
		msg.Header.Del(jetstream.MsgIDHeader)
		if _, err := e.js.PublishMsg(ctx, msg); err != nil {
			return n, unavailable(err)
		}
		if err := e.dead.DeleteMsg(ctx, dl.seq); err != nil {
			return n, unavailable(fmt.Errorf("replayed %d, left in the dead letters: %w", n+1, err))
		}
		n++
	}
	return n, nil
}

// keepQueue gives command its default group again if it has no durable
// group left, so that its messages keep waiting for a consumer.
func (e *Engine) keepQueue(ctx context.Context, command string) error {
	name, err := e.anyGroup(ctx, command)
	if err != nil || name != "" {
		return err
	}
	cons, err := e.groupConsumer(ctx, groupKey{command: command}, false)
	if err != nil {
		return err
	}
	return e.awaitInterest(ctx, command, cons)
}
