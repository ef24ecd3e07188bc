package cluster

import (
	"encoding/hex"
	"strings"
)

// names are the engine's stream names and subjects, all under one prefix.
type names struct {
	prefix string
}

// Stream names.
func (n names) msgsStream() string    { return n.prefix + "_MSGS" }
func (n names) answersStream() string { return n.prefix + "_ANSWERS" }
func (n names) deadStream() string    { return n.prefix + "_DEAD" }

// msgSubject is the subject of command's messages.
func (n names) msgSubject(command string) string { return n.prefix + ".q." + token(command) }

// replaySubject is the subject of command's messages replayed to group
// alone, from its dead letters.
func (n names) replaySubject(command, group string) string {
	return n.prefix + ".r." + token(command) + "." + groupToken(group)
}

// parseGroupConsumer is the command and group of a name groupConsumer
// made, and whether it made it.
func parseGroupConsumer(name string) (command, group string, ok bool) {
	rest, ok := strings.CutPrefix(name, "q-")
	if !ok {
		return "", "", false
	}
	return parsePair(rest, "-")
}

// parseDeadSubject is the command and group of a subject deadSubject made.
func (n names) parseDeadSubject(subject string) (command, group string, ok bool) {
	rest, ok := strings.CutPrefix(subject, n.prefix+".d.")
	if !ok {
		return "", "", false
	}
	return parsePair(rest, ".")
}

// parsePair is the command and group of the tokens "command<sep>group"
// (group "_" for the default group).
func parsePair(s, sep string) (command, group string, ok bool) {
	ct, gt, ok := strings.Cut(s, sep)
	if !ok {
		return "", "", false
	}
	command, ok = untoken(ct)
	if gt == "_" || !ok {
		return command, "", ok
	}
	group, ok = untoken(gt)
	return command, group, ok
}

// answerSubject is the subject of the results of producer's requests.
func (n names) answerSubject(producer string) string {
	return n.prefix + ".a." + token(producer)
}

// liveSubject is the plain NATS subject on which the brokers of producer
// take its results.
func (n names) liveSubject(producer string) string {
	return n.prefix + ".live." + token(producer)
}

// hintSubject is the plain NATS subject on which the brokers of producer
// hear that its mailbox holds results.
func (n names) hintSubject(producer string) string {
	return n.prefix + ".hint." + token(producer)
}

// deadSubject is the subject of command's dead letters in group.
func (n names) deadSubject(command, group string) string {
	return n.prefix + ".d." + token(command) + "." + groupToken(group)
}

// groupConsumer is the durable consumer of command's group.
func (n names) groupConsumer(command, group string) string {
	return "q-" + token(command) + "-" + groupToken(group)
}

// mailboxConsumer is the durable consumer of producer's results.
func (n names) mailboxConsumer(producer string) string { return "a-" + token(producer) }

// groupToken is token(group), with "_" for the default group.
func groupToken(group string) string {
	if group == "" {
		return "_"
	}
	return token(group)
}

// token is s as one subject token and consumer name part: s itself when it
// holds only ASCII letters, digits and '_', else '=' and its bytes in hex
// (no plain token starts with '='). Commands and groups may hold any
// printable character, subjects and names may not hold '.', '*', '>' or
// spaces.
func token(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "=" + hex.EncodeToString([]byte(s))
		}
	}
	if s == "" || s == "_" {
		return "=" + hex.EncodeToString([]byte(s))
	}
	return s
}

// untoken is the string token made, and whether token made it.
func untoken(t string) (string, bool) {
	h, ok := strings.CutPrefix(t, "=")
	if !ok {
		return t, t != ""
	}
	b, err := hex.DecodeString(h)
	return string(b), err == nil
}
