// Package router is teomq's routing core: per-command queues, consumer
// groups, subscriber credit, in-flight deliveries with leases, answers
// routed back to producers, dead letters, deadlines and deduplication.
//
// A Router is a deterministic state machine. It does no I/O, starts no
// goroutines and reads no clock: the broker feeds it events (Admit/Commit,
// Subscribe, Answer, Disconnect, Tick, ...) with the current time and
// carries out the Actions it returns (send a delivery, send or park a
// result, persist an ack). Restore* calls rebuild the state from the store
// before the first event.
//
// Each command has groups; every group gets its own copy of each message
// published after the group was created, and the members of a group share
// those copies, each copy going to one member at a time (NSQ's channel
// model). Within a group, fresh messages go out in Seq order from a FIFO
// ring; redeliveries go first, ordered by Seq, from a heap. Leases,
// retry delays, deadlines, mailbox and dedup expiries each live in a heap,
// so publishing, delivering, answering and ticking cost O(log n) per
// message involved, never a walk over the queue. Picking a consumer scans
// the group's subscribers; Replay and the removal of an ephemeral group
// walk that group's messages.
//
// A request is answered by exactly one group: its Message.AnswerGroup
// (the default group unless the producer named another). The other
// groups' answers finish their own copies and never reach the producer.
// Message IDs are unique per producer: the dedup window is kept per
// (producer address, ID), so a producer never gets another producer's
// confirm or result by reusing its ID.
//
// Payloads need not all stay in memory (Config.ResidentBytes): past a
// command's budget a queued message keeps its state but leaves its
// payload to the store; before a group reaches it, the router asks for
// the payloads from that message on (ActFetch), and the broker reads them
// off its lock and hands them back with Fill. Nor need every message
// (Config.Window): past a command's window, a plain send queued while no
// subscriber has room for it is only counted in the command's tail, and
// when a group's queue runs low the router asks for the next page of it
// (ActLoad), which the broker reads and hands back with Load; Restore
// counts a backlog past the window the same way. Purging a queue deletes
// its tail through the same pages. The router itself still reads
// nothing. Quotas bound each command's pending messages in count
// and payload bytes (Config.MaxQueueLen, MaxQueueBytes), and a durable
// group records where it starts (ActGroup's Start), so that a restart
// gives it only the messages published after it existed.
//
// Operators see the queues through Commands and OldestDeadLetters and act
// on them with Replay, PurgeDeadLetters, PurgeQueue and DeleteGroup, whose
// store changes come back as actions like any other event's. Tick forgets
// commands left idle (see Config.IdleTimeout).
//
// A Router is not safe for concurrent use: the broker calls it with one
// mutex held. The Action slices it returns are reused by the next call.
package router
