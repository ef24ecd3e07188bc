// Package loadgen drives a messaging system with a measured load and
// reports its throughput and latency distribution.
//
// A Target is the system under load: NewTeomq makes one for a teomq broker,
// and the comparison module under bench/ implements it for NATS. Run opens
// connections through the Target and runs one of three modes:
//
//   - ModeRequest: Clients send requests that Consumers answer with the
//     request's payload; each round trip is one operation.
//   - ModeSend: Clients publish messages and wait for each durable confirm.
//   - ModeConsume: the Target is pre-filled with Msgs messages, which
//     Consumers then take and acknowledge.
//
// A run ends after Msgs operations or Duration, whichever comes first.
// Latencies go into a Histogram (log-linear buckets, fixed memory, 1%
// precision), never a per-sample list, and WriteTable and WriteCSV print
// Results.
//
//	t, _ := loadgen.NewTeomq(loadgen.TeomqConfig{Durability: teomq.DurabilitySync})
//	defer t.Close()
//	res, _ := loadgen.Run(ctx, t, loadgen.Config{Mode: loadgen.ModeRequest, Clients: 64, Consumers: 2})
//	loadgen.WriteTable(os.Stdout, res)
package loadgen
