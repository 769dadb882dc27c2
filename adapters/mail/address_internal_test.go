package mail

import "testing"

// Addresses are keyed the same however they are written.
func TestAddressHelpers(t *testing.T) {
	for _, c := range []struct{ name, got, want string }{
		{"normalAddress", normalAddress(" <Anna.Berg@Museum.Example> "), "anna.berg@museum.example"},
		{"normalAddress of two", normalAddress("a@b c@d"), ""},
		{"normalAddress of nothing", normalAddress("<>"), ""},
		{"addressDomain", addressDomain("anna@Bücher.Example"), "bücher.example"},
		{"addressDomain of none", addressDomain("anna"), ""},
		{"addressLocal", addressLocal("MAILER-DAEMON@x"), "mailer-daemon"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !sameDomain("bücher.example", "XN--BCHER-KVA.example.") || sameDomain("a.example", "b.example") || sameDomain("", "") {
		t.Error("sameDomain")
	}
}
