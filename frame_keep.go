package teomq

// frameTaker is a connection that can hand over the memory of the frame
// its last Recv returned (teonet.Channel.TakeFrame).
type frameTaker interface{ TakeFrame() bool }

// keepFrame returns p, a slice of the frame the last Recv on ch returned,
// as memory the caller may keep: the frame's own buffer when ch hands it
// over (a frame larger than the read buffer), and otherwise a copy, since
// the next Recv reuses the read buffer. Called from the goroutine that
// calls Recv, at most once per frame.
func keepFrame(ch frameTaker, p []byte) []byte {
	if ch.TakeFrame() {
		return p
	}
	return append([]byte(nil), p...)
}
