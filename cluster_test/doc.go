// Package clustertest holds the end-to-end tests of teomq's cluster mode:
// teomq brokers that keep their queues in NATS JetStream, run against an
// embedded 3-node JetStream cluster on loopback ports.
//
// It is a module of its own so that nats-server stays out of the module
// graph of programs that use teomq. Its code is tests only:
// natscluster_test.go is the embedded cluster harness (start, stop and
// restart one node or all) and natsclient_test.go its NATS client checks;
// brokers_test.go starts teomq brokers and clients on it; load_test.go
// drives the fault tests' load; regressions_test.go holds the bugs a
// review found, one test each. gaps_test.go (-tags cluster_gaps) holds
// what cluster mode lacks today, as docs/cluster.md says.
//
// Run with: go test -race ./... (from this directory).
package clustertest
