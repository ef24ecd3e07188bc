package examples_test

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// readmeCommand is a `go run ./PKG ARGS` line of the README.
type readmeCommand struct {
	line string
	pkg  string   // "./examples/basic/broker"
	args []string // with the sample address still in place
}

// readmeCommands collects the go run lines of README.md's bash blocks.
func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []readmeCommand
	inBash := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```bash":
			inBash = true
		case strings.HasPrefix(line, "```"):
			inBash = false
		case inBash && strings.HasPrefix(line, "go run "):
			fields := splitArgs(strings.TrimPrefix(line, "go run "))
			cmds = append(cmds, readmeCommand{line: line, pkg: strings.TrimSuffix(fields[0], "/"), args: fields[1:]})
		}
	}
	if len(cmds) < 10 {
		t.Fatalf("found %d go run commands in README.md; the parser or the README is off", len(cmds))
	}
	return cmds
}

// splitArgs splits a shell line on spaces, keeping "double quoted" words.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any || cur.Len() > 0 {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
		}
	}
	if any || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

var readmeBuilds sync.Map // pkg -> binary path

// readmeBinary builds a README package once.
func readmeBinary(t *testing.T, pkg string) string {
	t.Helper()
	if p, ok := readmeBuilds.Load(pkg); ok {
		return p.(string)
	}
	dir, err := buildAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, built := range builtPrograms {
		if built == pkg {
			return builtPath(dir, pkg)
		}
	}
	// A package the README names that buildAll does not build: add it to
	// builtPrograms, so that it builds with the others.
	out := filepath.Join(dir, "readme-"+strings.NewReplacer("/", "_", ".", "").Replace(pkg))
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README names %s, which does not build: %v\n%s", pkg, err, b)
	}
	readmeBuilds.Store(pkg, out)
	return out
}

var sampleAddress = regexp.MustCompile(`\b[A-Za-z0-9]{35}\b`)

// TestReadmeCommandsRun runs every `go run` command of the README, as
// written, with only these changes: the sample broker address becomes a
// live broker's, every program gets a temp -config dir, and brokers listen
// on a free loopback port. Servers must print their Teonet address;
// one-shot commands must exit 0.
func TestReadmeCommandsRun(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	broker := start(t, "teomq", "broker", "-config", config, "-listen", "127.0.0.1:0", "-http", "127.0.0.1:0")
	addr := broker.address()
	brokerHTTP := broker.waitFor(`HTTP: (\S+) `)[1]
	for i, rc := range readmeCommands(t) {
		name := rc.pkg + " " + strings.Join(rc.args, " ")
		t.Run(name, func(t *testing.T) {
			bin := readmeBinary(t, rc.pkg)
			args := make([]string, 0, len(rc.args)+4)
			sub := ""
			if rc.pkg == "./cmd/teomq" && len(rc.args) > 0 {
				sub, args = rc.args[0], append(args, rc.args[0])
				rc.args = rc.args[1:]
			}
			if strings.HasSuffix(rc.pkg, "/consumer_web") {
				// A page server: no identity of its own; it must serve the
				// page it advertises.
				args = append(args, "-listen", "127.0.0.1:0", "-ws", "ws://"+brokerHTTP+"/teomq")
				for _, a := range rc.args {
					args = append(args, sampleAddress.ReplaceAllString(a, addr))
				}
				p := startBin(t, bin, args...)
				url := p.waitFor(`Run web consumer in your browser: (http://\S+)`)[1]
				resp, err := http.Get(url)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %s", url, resp.Status)
				}
				return
			}
			args = append(args, "-config", config)
			isBroker := strings.HasSuffix(rc.pkg, "/broker") || sub == "broker"
			if isBroker {
				args = append(args, "-listen", "127.0.0.1:0", "-name", "readme-broker-"+string(rune('a'+i)))
				if sub == "broker" {
					args = append(args, "-http", "127.0.0.1:0")
				}
			}
			for _, a := range rc.args {
				args = append(args, sampleAddress.ReplaceAllString(a, addr))
			}
			switch sub {
			case "send", "request":
				if sub == "request" {
					// Someone has to answer it, until the subtest ends: the
					// command may hold messages of earlier commands (the
					// command example's producer sends version too). The
					// COMMAND is the first argument that is no flag.
					command := ""
					for _, a := range rc.args {
						if !strings.HasPrefix(a, "-") {
							command = a
							break
						}
					}
					c := start(t, "teomq", "consume", "-config", config, "-broker", addr, "-name", "readme-answerer", command)
					c.waitFor(`Subscribed`)
				}
				cmd := exec.Command(bin, args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", rc.line, err, out)
				}
				return
			case "consume":
				p := start(t, "teomq", "send", "-config", config, "-broker", addr, "-name", "readme-sender", args[len(args)-1], "x")
				if err := p.wait(); err != nil {
					t.Fatal(err)
				}
				p = startBin(t, bin, args...)
				if err := p.wait(); err != nil {
					t.Fatalf("%s: %v", rc.line, err)
				}
				return
			}
			p := startBin(t, bin, args...)
			p.address()
		})
	}
}
