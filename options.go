package teomq

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Option configures a Client made by Connect.
type Option func(*clientOptions)

type clientOptions struct {
	name      string
	ephemeral bool
	configDir string
	logger    *slog.Logger
	maxFrame  int
	keepAlive time.Duration
	onAnswer  func(*Answer, error)

	subscribeTimeout time.Duration
}

// DefaultSubscribeTimeout bounds how long Subscribe waits for a connected
// broker to register a subscription, unless WithSubscribeTimeout changes it.
const DefaultSubscribeTimeout = 10 * time.Second

func defaultClientOptions() clientOptions {
	// The broker says its message size limit when the client connects;
	// the client's frame limit is the largest any broker can have.
	return clientOptions{name: programName(), logger: slog.Default(), subscribeTimeout: DefaultSubscribeTimeout, maxFrame: MaxMessageSizeLimit + frameOverhead}
}

// programName derives a client's default identity name from the program.
func programName() string {
	name := filepath.Base(os.Args[0])
	name = strings.TrimSuffix(name, ".test")
	name = strings.TrimSuffix(name, ".exe")
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "teomq-client"
	}
	return b.String()
}

// WithName sets the client's identity name: its key lives in
// <config dir>/teonet/<name>/, so the name selects the client's Teonet
// address. Two live processes cannot share a name. The default is derived
// from the program's name. It undoes WithEphemeralIdentity.
func WithName(name string) Option {
	return func(o *clientOptions) { o.name, o.ephemeral = name, false }
}

// WithEphemeralIdentity gives the client a key made in memory for this
// connection only, and so a new Teonet address each time: nothing is
// written to the config dir and any number of such clients run at once.
// It suits short-lived producers, such as a command run from a shell. A
// Request's answer still reaches it while it stays connected; answers
// that arrive after it closed are lost with its address, so consumers and
// producers that must get answers across restarts keep a name (WithName).
// It undoes WithName.
func WithEphemeralIdentity() Option {
	return func(o *clientOptions) { o.name, o.ephemeral = "", true }
}

// WithConfigDir replaces os.UserConfigDir() as the root of the identity and
// of the address book used to resolve bare broker addresses.
func WithConfigDir(dir string) Option { return func(o *clientOptions) { o.configDir = dir } }

// WithLogger sets the client's logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *clientOptions) { o.logger = l } }

// WithMaxFrame sets the largest frame the client sends or accepts. The
// default fits the largest message any broker accepts
// (MaxMessageSizeLimit); the broker's own limit, which it tells the client
// when it connects, applies to each message anyway.
func WithMaxFrame(n int) Option { return func(o *clientOptions) { o.maxFrame = n } }

// WithKeepAlive sets the idle interval after which the connection probes
// the broker; a broker silent for three intervals is redialed.
func WithKeepAlive(d time.Duration) Option { return func(o *clientOptions) { o.keepAlive = d } }

// WithSubscribeTimeout bounds how long Subscribe waits for a connected
// broker to register a subscription (default DefaultSubscribeTimeout); 0
// waits until the broker answers or the connection drops. A disconnected
// client's Subscribe does not wait at all.
func WithSubscribeTimeout(d time.Duration) Option {
	return func(o *clientOptions) { o.subscribeTimeout = d }
}

// WithOrphanAnswers sets a function called with answers (or remote errors)
// that reach the client for requests no Request call awaits any more: for
// example answers kept in the broker's mailbox while this producer was
// restarting. It runs on its own goroutine, one answer at a time.
func WithOrphanAnswers(f func(*Answer, error)) Option {
	return func(o *clientOptions) { o.onAnswer = f }
}

// SendOption configures one Send or Request.
type SendOption func(*sendOptions)

type sendOptions struct {
	id          MessageID
	hasID       bool
	ttl         time.Duration
	answerGroup string
}

// WithID sends the message with the given ID instead of a new one. The
// broker stores an ID once per producer within its dedup window, so a
// retry with the same ID is not queued twice, and a retried Request gets
// the same answer. IDs are this producer's own: another producer's use of
// the same ID never shares its confirm or answer (while that one's message
// is queued, the broker refuses the publish with ErrIDInUse).
func WithID(id MessageID) SendOption {
	return func(o *sendOptions) { o.id, o.hasID = id, true }
}

// WithTTL gives the message a deadline of now + d: the broker never hands
// it to a consumer after that. A Request's ctx deadline, when earlier, wins.
func WithTTL(d time.Duration) SendOption { return func(o *sendOptions) { o.ttl = d } }

// AnswerGroup names the consumer group whose answer a Request returns.
// Every group of the command still gets its copy, but only this group's
// member answers the producer; the others' answers are dropped. Without
// it the default group answers. The group must exist at the broker (some
// consumer subscribed to it), or Request fails with ErrNoAnswerGroup.
// Send ignores it.
func AnswerGroup(name string) SendOption { return func(o *sendOptions) { o.answerGroup = name } }

// SubscribeOption configures a Subscribe call.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct {
	group       string
	concurrency int
	ephemeral   bool
}

// Group subscribes in the named group. Each group of a command gets its own
// copy of every message; members of one group share them. The default group
// ("") makes delivery point to point.
func Group(name string) SubscribeOption { return func(o *subscribeOptions) { o.group = name } }

// Concurrency sets how many messages the subscription handles at once; it
// is also the subscription's credit at the broker (default 1).
func Concurrency(n int) SubscribeOption { return func(o *subscribeOptions) { o.concurrency = n } }

// Ephemeral makes the subscription's group vanish with its last member:
// while no member is connected, messages do not queue for it. Live views
// such as dashboards use it.
func Ephemeral() SubscribeOption { return func(o *subscribeOptions) { o.ephemeral = true } }
