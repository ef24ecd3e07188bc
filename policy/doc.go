// Package policy decides which peers may connect to a teomq broker and
// what each may do, from the broker's TOML config file.
//
// A peer is known by its Teonet address (proven by its key), the origin of
// its page if it is a browser, and whether it connected from loopback.
// Roles are sets of peers: [roles.NAME] lists addresses and origins, and
// two roles are built in: "local" (Go peers on the broker's machine; never
// a browser page, whose rights come only from its origin or address) and
// "anyone". Each [[rule]] lets its roles publish (Send, Request), consume
// (subscribe; with groups, only in those groups, "default" naming the
// default group) and admin (operator requests) the commands it lists; a
// '*' in a command or group matches any run of characters. What no rule
// allows is forbidden. Without a file, or with a file without rules, the
// Default policy applies: loopback peers may do everything, others are
// refused at the handshake with a message saying how to allow them.
//
// The broker calls Policy.Connect at the handshake, Policy.For once per
// connection, then Grants.Allow per message, which after the first call
// per command is a map read. A reload parses a new Policy; a file that
// fails to parse returns an error matching ErrBadPolicy and changes nothing.
//
// A config file (teomq broker -conf teomq.toml):
//
//	[broker]                  # any flag of "teomq broker"; flags given win
//	listen = ":7070"
//	allow-origin = ["http://localhost:8094"]
//
//	[roles.producers]
//	addresses = ["og71X6Y8TU1Y2W4G9GkUsKmxnvvd9r2vXp2"]
//
//	[roles.dashboard]
//	origins = ["http://localhost:8094"]
//
//	[[rule]]                  # producers send num_servers and num_players
//	roles = ["producers"]
//	publish = ["num_*"]
//
//	[[rule]]                  # pages of the dashboard read them in their own groups
//	roles = ["dashboard"]
//	consume = ["num_*"]
//	groups = ["web-*"]
//
//	[[rule]]                  # programs on this machine ask version and operate
//	roles = ["local"]
//	publish = ["version"]
//	admin = ["*"]
package policy
