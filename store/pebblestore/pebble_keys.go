package pebblestore

import "encoding/binary"

// Key layout of the pebble store. Every key starts with a one-byte prefix
// naming its table; integers are big-endian so that byte order is numeric
// order. A command is named in keys by a fixed-width ID, so that each
// command's messages form one contiguous, FIFO-ordered range.
//
//	"V"                                   format version (1 byte)
//	'c' name                              command ID (uint32)
//	'w' cmd                               watermark: every main-lane seq below it is done (uint64, merged by max)
//	'b' cmd block                         counts of a block of main-lane seqs (see blockCounts, merged by sum)
//	"p"                                   the store keeps 'b' records (empty value)
//	'g' cmd group                         durable group (its start: see appendGroupStart)
//	'q' cmd lane seq 0x00                 message
//	'q' cmd lane seq 0x01 group           non-Last ack of group (empty value)
//	'q' cmd lane seq 0x02 group           attempts in group (uvarint)
//	'q' cmd lane seq 0x03                 the result its producer got (see appendDedup)
//	'l' cmd seq group                     dead letter (message)
//	'x' id producer                       mailbox answer
//	'e' expires id producer               dedup record (answer or none)
//
// Mailbox and dedup keys end with the producer's address since message
// IDs are unique per producer only. Keys written before that ('x' id,
// 'e' expires id) are still read: their producer is the answer's, or
// unknown for a dedup record without answer.
//
// A message's acks and attempts sort right after it, so Load reads each
// message with its state in one forward pass, and one range deletion
// removes everything below the watermark.
const (
	pfxVersion = 'V'
	pfxCommand = 'c'
	pfxFloor   = 'w'
	pfxBlock   = 'b'
	// pfxGroupCounts: the counts of a group's marks on a block (see
	// groupCounts).
	pfxGroupCounts = 'k'
	pfxGroup       = 'g'
	pfxQueue       = 'q'
	pfxDead        = 'l'
	pfxMailbox     = 'x'
	pfxDedup       = 'e'
)

// Sub-keys of a message in the queue table.
const (
	subMsg     = 0x00
	subAck     = 0x01
	subAttempt = 0x02
	subResult  = 0x03 // the result the producer got (see appendDedup): store.KindResult
	subEnd     = 0x04 // bound above every sub-key of a seq
)

// formatVersion is the version of this key layout and value encoding.
// Version 2 adds the progress records (block counts, whose merge operands
// version 1's merger refuses); version 3 counts the groups' acks and
// attempts of a block apart from its marked messages (group counts). A
// store of an older version is upgraded when opened, and a binary that
// knows only an older version refuses a newer store (ErrFormat) instead
// of failing at its first compaction or trusting counts it does not keep.
const formatVersion = 3

// formatWithoutProgress is the version before progress records, and
// formatWithoutGroupCounts the version before group counts: OpenPebble
// upgrades both.
const (
	formatWithoutProgress    = 1
	formatWithoutGroupCounts = 2
)

var versionKey = []byte{pfxVersion}

// progressKey marks a store that keeps its progress records: a store
// without it was written before them, and its first Load scans the
// queues and writes them.
var progressKey = []byte{'p'}

// Lengths of fixed key parts.
const (
	cmdIDLen      = 4
	queueSeqLen   = 1 + cmdIDLen + 1 + 8 // prefix cmd lane seq
	deadSeqLen    = 1 + cmdIDLen + 8     // prefix cmd seq
	mailboxKeyLen = 1 + 16               // without the producer
	dedupKeyLen   = 1 + 8 + 16           // without the producer
)

func commandKey(name string) []byte {
	return append([]byte{pfxCommand}, name...)
}

func floorKey(cmd uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{pfxFloor}, cmd)
}

// blockKey is the key of the counts of block (seq >> blockShift) of cmd.
func blockKey(cmd uint32, block uint64) []byte {
	return binary.BigEndian.AppendUint64(cmdPrefix(pfxBlock, cmd), block)
}

// groupCountsKey is the key of the counts of group's marks on block
// (seq >> blockShift) of cmd.
func groupCountsKey(cmd uint32, block uint64, group string) []byte {
	return append(binary.BigEndian.AppendUint64(cmdPrefix(pfxGroupCounts, cmd), block), group...)
}

func groupKey(cmd uint32, group string) []byte {
	return append(cmdPrefix(pfxGroup, cmd), group...)
}

// cmdPrefix returns the prefix of table pfx's keys of one command.
func cmdPrefix(pfx byte, cmd uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{pfx}, cmd)
}

// appendQueueSeq appends the prefix of every key of message seq.
func appendQueueSeq(b []byte, cmd uint32, l lane, seq uint64) []byte {
	b = append(b, pfxQueue)
	b = binary.BigEndian.AppendUint32(b, cmd)
	b = append(b, byte(l))
	return binary.BigEndian.AppendUint64(b, seq)
}

// appendQueueKey appends the key of sub-key sub (of group) of message seq.
func appendQueueKey(b []byte, cmd uint32, l lane, seq uint64, sub byte, group string) []byte {
	b = appendQueueSeq(b, cmd, l, seq)
	b = append(b, sub)
	return append(b, group...)
}

// laneBounds returns the key range of one lane of one command.
func laneBounds(cmd uint32, l lane) (lower, upper []byte) {
	lower = append(cmdPrefix(pfxQueue, cmd), byte(l))
	upper = append(cmdPrefix(pfxQueue, cmd), byte(l)+1)
	return lower, upper
}

func deadKey(cmd uint32, seq uint64, group string) []byte {
	b := binary.BigEndian.AppendUint64(cmdPrefix(pfxDead, cmd), seq)
	return append(b, group...)
}

// mailboxKey is the key of producer's mailbox answer for id; with producer
// "" it is the prefix of every answer for id (and the key of an answer
// written before keys named the producer).
func mailboxKey(id [16]byte, producer string) []byte {
	b := append([]byte{pfxMailbox}, id[:]...)
	return append(b, producer...)
}

// dedupKey orders dedup records by expiry, so that expired ones form one
// range at the front of the table.
func dedupKey(expires int64, id [16]byte, producer string) []byte {
	b := binary.BigEndian.AppendUint64([]byte{pfxDedup}, clampMillis(expires))
	b = append(b, id[:]...)
	return append(b, producer...)
}

// clampMillis maps a unix-millisecond time to an unsigned key part; times
// before 1970 sort first.
func clampMillis(ms int64) uint64 {
	return uint64(max(ms, 0))
}

// prefixEnd returns the smallest key above every key that starts with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// queueKeyParts is a decoded queue-table key.
type queueKeyParts struct {
	seq   uint64
	sub   byte
	group string
}

// parseQueueKey decodes a key of the queue table.
func parseQueueKey(k []byte) (queueKeyParts, bool) {
	if len(k) < queueSeqLen+1 || k[0] != pfxQueue {
		return queueKeyParts{}, false
	}
	return queueKeyParts{
		seq:   binary.BigEndian.Uint64(k[queueSeqLen-8:]),
		sub:   k[queueSeqLen],
		group: string(k[queueSeqLen+1:]),
	}, true
}
