package teonet_test

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
)

// The benchmarks run each case over a Channel and over a baseline: a plain
// TLS 1.3 connection with the same kind of certificates, written through a
// 64 KiB bufio.Writer, so the ratio of the two shows the channel's cost.
//
//	go test -run '^$' -bench . -benchtime 1s ./teonet/

var benchSizes = []int{100, 4096}

// BenchmarkPipelined sends frames one way as fast as the sender can queue
// them; the baseline flushes only when its buffer fills and at the end.
func BenchmarkPipelined(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("channel/%dB", size), func(b *testing.B) { benchChannelPipelined(b, size) })
		b.Run(fmt.Sprintf("rawTLS/%dB", size), func(b *testing.B) { benchRawPipelined(b, size) })
	}
}

// BenchmarkRoundTrip sends a 100-byte frame and waits for its echo; the
// baseline flushes after every frame.
func BenchmarkRoundTrip(b *testing.B) {
	b.Run("channel/100B", func(b *testing.B) { benchChannelRoundTrip(b, 100) })
	b.Run("rawTLS/100B", func(b *testing.B) { benchRawRoundTrip(b, 100) })
}

func benchChannelPipelined(b *testing.B, size int) {
	a, peer := pair(b)
	frame := make([]byte, size)
	done := make(chan error, 1)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if _, err := peer.Recv(); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range b.N {
		if err := a.Send(frame); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func benchChannelRoundTrip(b *testing.B, size int) {
	a, peer := pair(b)
	go func() {
		for {
			p, err := peer.Recv()
			if err != nil || peer.Send(p) != nil {
				return
			}
		}
	}()
	frame := make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := a.Send(frame); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Recv(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRawPipelined(b *testing.B, size int) {
	client, server := rawTLSPair(b)
	frame := make([]byte, size)
	done := make(chan error, 1)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		r := bufio.NewReaderSize(server, 64<<10)
		buf := make([]byte, size)
		for range b.N {
			if err := readRawFrame(r, buf); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	w := bufio.NewWriterSize(client, 64<<10)
	for range b.N {
		if err := writeRawFrame(w, frame); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

func benchRawRoundTrip(b *testing.B, size int) {
	client, server := rawTLSPair(b)
	go func() {
		r, w := bufio.NewReaderSize(server, 64<<10), bufio.NewWriterSize(server, 64<<10)
		buf := make([]byte, size)
		for {
			if readRawFrame(r, buf) != nil || writeRawFrame(w, buf) != nil || w.Flush() != nil {
				return
			}
		}
	}()
	r, w := bufio.NewReaderSize(client, 64<<10), bufio.NewWriterSize(client, 64<<10)
	frame, buf := make([]byte, size), make([]byte, size)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := writeRawFrame(w, frame); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := readRawFrame(r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func writeRawFrame(w *bufio.Writer, frame []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(frame)))
	w.Write(hdr[:])
	_, err := w.Write(frame)
	return err
}

func readRawFrame(r *bufio.Reader, buf []byte) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	_, err := io.ReadFull(r, buf[:binary.BigEndian.Uint32(hdr[:])])
	return err
}

// rawTLSPair connects two TLS 1.3 endpoints over loopback TCP with mutual
// Ed25519 certificates, as teonet channels do.
func rawTLSPair(b *testing.B) (client, server *tls.Conn) {
	b.Helper()
	serverID, clientID := newRawPeer(b, ""), newRawPeer(b, "")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", rawTLSConfig(serverID.cert))
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan *tls.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		if c.(*tls.Conn).Handshake() != nil {
			c.Close()
			close(accepted)
			return
		}
		accepted <- c.(*tls.Conn)
	}()
	client, err = tls.Dial("tcp", ln.Addr().String(), rawTLSConfig(clientID.cert))
	if err != nil {
		b.Fatal(err)
	}
	server, ok := <-accepted
	if !ok {
		b.Fatal("raw TLS accept failed")
	}
	b.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}
