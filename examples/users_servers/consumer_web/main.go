// Command consumer_web serves the users_servers example's web consumer:
// a page on which each browser tab is a teomq peer of its own, subscribed
// to num_servers and num_players, with a live chart and a version button.
//
// The page connects straight to the broker's WebSocket, so start the
// broker with its HTTP listener allowing this server's origin:
//
//	go run ./cmd/teomq broker -allow-origin http://localhost:8094
//	go run ./examples/users_servers/consumer_web -broker ADDRESS
//
// then open http://localhost:8094/ (the original's path,
// /cmd/users_servers/consumer_web/client.html, serves the page too). If
// the broker refuses the page, the page says why and what to do.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/teonet-go/teomq/examples/internal/example"
	"github.com/teonet-go/teomq/examples/users_servers/consumer_web/webserver"
)

func main() {
	listen := flag.String("listen", ":8094", "HTTP `host:port` to serve the page on")
	ws := flag.String("ws", "ws://localhost:8093/teomq", "the broker's WebSocket `url` (teomq broker -http)")
	broker := flag.String("broker", "", "broker `address`: ADDRESS or ADDRESS@host:port (required)")
	flag.Parse()
	if *broker == "" {
		fmt.Fprintln(os.Stderr, "The broker address should be set. Use -broker flag to set it.")
		os.Exit(2)
	}
	h, err := webserver.New(webserver.Config{WS: *ws, Broker: *broker})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("Run web consumer in your browser: http://%s/\n", browserHost(ln.Addr(), *listen))
	fmt.Println("The broker must allow this origin: teomq broker -allow-origin http://" + browserHost(ln.Addr(), *listen))

	ctx, stop := example.SignalContext()
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }() // owned by main; stopped by Shutdown below
	select {
	case err := <-errc:
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
	}
}

// browserHost is the host:port to open: localhost when listening on all
// interfaces.
func browserHost(addr net.Addr, listen string) string {
	host, _, err := net.SplitHostPort(listen)
	_, port, perr := net.SplitHostPort(addr.String())
	if err != nil || perr != nil {
		return addr.String()
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
