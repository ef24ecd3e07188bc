package teomq

import "testing"

func TestOperatorNetsAllows(t *testing.T) {
	n, err := parseOperatorNets([]string{"10.1.0.0/16", "::ffff:192.168.1.0/120", "2001:db8::1"})
	if err != nil {
		t.Fatal(err)
	}
	for remote, want := range map[string]bool{
		"10.1.2.3:5000":          true,
		"10.2.0.1:5000":          false,
		"192.168.1.77:80":        true, // the IPv4-mapped prefix covers plain IPv4
		"[::ffff:10.1.9.9]:80":   true, // and an IPv4-mapped client
		"[2001:db8::1]:80":       true,
		"[2001:db8::2]:80":       false,
		"[fe80::1%eth0]:80":      false,
		"127.0.0.1:1":            false, // the default is replaced, not extended
		"not an address":         false,
		"[2001:db8::1%zone]:443": true,
	} {
		if got := n.allows(remote); got != want {
			t.Errorf("allows(%q) = %v, want %v", remote, got, want)
		}
	}
	def, _ := parseOperatorNets(nil)
	if !def.allows("127.0.0.1:9") || !def.allows("[::1]:9") || def.allows("192.0.2.1:9") {
		t.Error("the default allows other than loopback")
	}
}
