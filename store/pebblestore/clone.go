package pebblestore

// cloneBytes copies b; empty input gives nil so that the stores agree.
func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}
