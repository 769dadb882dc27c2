package mail

import (
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-msgauth/authres"
)

// Trust: whether the mail comes from whom its From says. Anyone can write
// any From; the helpdesk believes it only on the word of its own receiving
// server, which checked DKIM and SPF and wrote the DMARC result in an
// Authentication-Results field on top of the mail. Fields lower down, or
// of other servers, were written before the mail reached it, by anyone:
// they are ignored. (The receiving server should also remove fields with
// its own authserv-id that arrive with a mail, as RFC 8601 asks; Postfix
// with OpenDMARC and Dovecot do not write any, so a forged one could only
// come below the real one, which comes first.)

// Trust is what the helpdesk's own receiving server found of the sender.
type Trust string

const (
	// TrustUnchecked: no authserv-id is configured; nothing was checked
	// (the adapter's configuration decides what that means).
	TrustUnchecked Trust = "unchecked"
	// TrustPass: the server found DMARC passing for the From's domain.
	TrustPass Trust = "pass"
	// TrustFail: it found anything else (fail, none, a temporary error, no
	// DMARC result, another domain, several From addresses).
	TrustFail Trust = "fail"
	// TrustMissing: the mail carries no Authentication-Results of the
	// server (it did not come through it, or the authserv-id is wrong).
	TrustMissing Trust = "missing"
)

// Auth is the trust in a mail's sender and why.
type Auth struct {
	Trust Trust
	// DMARC is the DMARC result the server wrote ("pass", "fail", "none",
	// …), "" when it wrote none.
	DMARC string
	// Reason says why the trust is not TrustPass, for logs.
	Reason string
}

// Trusted reports whether the sender is who the From says.
func (a Auth) Trusted() bool { return a.Trust == TrustPass }

// checkAuth reads the topmost Authentication-Results of the server called
// servID: the sender is trusted when it says dmarc=pass, for the From's
// domain when it names one.
func checkAuth(h message.Header, from string, servID string) Auth {
	if servID == "" {
		return Auth{Trust: TrustUnchecked, Reason: "no authserv-id configured"}
	}
	for _, v := range h.Values("Authentication-Results") {
		id, results, err := authres.Parse(stripComments(v))
		if !strings.EqualFold(strings.TrimSpace(id), servID) {
			continue
		}
		// The topmost of the server's own: the only one that counts.
		a := Auth{Trust: TrustFail}
		if err != nil {
			a.Reason = "Authentication-Results: " + err.Error() + "; "
		}
		if len(h.Values("From")) > 1 || len(addressList(h, "From")) > 1 {
			a.Reason += "several From addresses"
			return a
		}
		domain := addressDomain(from)
		pass, other := false, false
		for _, r := range results {
			d, ok := r.(*authres.DMARCResult)
			if !ok {
				continue
			}
			if a.DMARC == "" {
				a.DMARC = string(d.Value)
			}
			switch {
			case d.Value != authres.ResultPass:
				other = true
				a.DMARC = string(d.Value)
			case d.From != "" && !sameDomain(dmarcDomain(d.From), domain):
				other = true
				a.Reason += "DMARC passed for " + d.From + ", not " + domain + "; "
			default:
				pass = true
			}
		}
		switch {
		case domain == "":
			a.Reason += "no From address"
		case pass && !other:
			a.Trust = TrustPass
			a.Reason = ""
		case a.DMARC == "":
			a.Reason += "no DMARC result"
		case a.DMARC != string(authres.ResultPass):
			a.Reason += "dmarc=" + a.DMARC
		}
		a.Reason = strings.TrimSuffix(a.Reason, "; ")
		return a
	}
	return Auth{Trust: TrustMissing, Reason: "no Authentication-Results of " + servID}
}

// dmarcDomain is the domain of DMARC's header.from, which some servers
// write as an address.
func dmarcDomain(v string) string {
	if strings.Contains(v, "@") {
		return addressDomain(v)
	}
	return v
}

// stripComments removes the comments of a structured header value
// ("(…)", nested, outside quoted strings): authres would read a ";" in a
// comment as the end of a result.
func stripComments(v string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range v {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && (quoted || depth > 0):
			escaped = true
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}
