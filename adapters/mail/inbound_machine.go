package mail

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Machine mail: what no person wrote, so that answering it could start a
// loop (an out-of-office answering the helpdesk's answer…) or open a case
// for a newsletter. The union of the rules of Request Tracker, Znuny and
// Zammad; Incoming.Machine names the first that matched, in this order.
const (
	// RFC 3834 Auto-Submitted with any value but "no": out-of-office
	// replies (auto-replied), notifications (auto-generated).
	RuleAutoSubmitted = "auto-submitted"
	// Precedence: bulk, junk or list.
	RulePrecedence = "precedence"
	// X-Auto-Response-Suppress, with any value (Microsoft's servers and
	// clients set it on what they send automatically).
	RuleAutoResponseSuppress = "x-auto-response-suppress"
	// List-Id: a mailing list's mail.
	RuleListID = "list-id"
	// A null Return-Path (<>): bounces and other reports.
	RuleNullReturnPath = "null-return-path"
	// From or Sender mailer-daemon@ or postmaster@, in any case.
	RuleDaemon = "mailer-daemon"
	// A multipart/report: delivery reports, read receipts, abuse reports.
	RuleReport = "report"
	// X-Loop carrying one of the helpdesk's addresses.
	RuleLoop = "x-loop"
	// A Message-ID of the helpdesk's own domain: its own mail, come back.
	RuleOwnID = "own-message-id"
	// Sent from one of the helpdesk's own addresses.
	RuleOwnAddress = "own-address"
	// X-Autoreply or X-Autorespond, which some autoresponders set instead
	// of Auto-Submitted.
	RuleAutoReply = "x-autoreply"
)

// machineRule returns the first rule that finds the mail written by a
// machine, "" if none does.
func machineRule(h message.Header, in *Incoming, opt ReadOptions) string {
	if v, ok := firstValue(h, "Auto-Submitted"); ok {
		token, _, _ := strings.Cut(stripComments(v), ";")
		if !strings.EqualFold(strings.TrimSpace(token), "no") {
			return RuleAutoSubmitted
		}
	}
	for _, v := range h.Values("Precedence") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "bulk", "junk", "list":
			return RulePrecedence
		}
	}
	if h.Has("X-Auto-Response-Suppress") {
		return RuleAutoResponseSuppress
	}
	if h.Has("List-Id") {
		return RuleListID
	}
	if v, ok := firstValue(h, "Return-Path"); ok && strings.Join(strings.Fields(v), "") == "<>" {
		return RuleNullReturnPath
	}
	senders := []string{in.From}
	for _, a := range addressList(h, "Sender") {
		senders = append(senders, a.addr)
	}
	for _, a := range senders {
		if l := addressLocal(a); a != "" && (l == "mailer-daemon" || l == "postmaster") {
			return RuleDaemon
		}
	}
	if mt, _ := mediaType(h); mt == "multipart/report" {
		return RuleReport
	}
	own := map[string]bool{}
	for _, a := range opt.OwnAddresses {
		if a = normalAddress(a); a != "" {
			own[a] = true
		}
	}
	for _, v := range h.Values("X-Loop") {
		for _, w := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" \t,;<>()\"", r) }) {
			if own[normalAddress(w)] {
				return RuleLoop
			}
		}
	}
	if !in.DerivedID && opt.OwnDomain != "" && sameDomain(addressDomain(in.ID), opt.OwnDomain) {
		return RuleOwnID
	}
	if own[in.From] {
		return RuleOwnAddress
	}
	if h.Has("X-Autoreply") || h.Has("X-Autorespond") {
		return RuleAutoReply
	}
	return ""
}

// firstValue is the topmost field of a key, and whether there is one.
func firstValue(h message.Header, k string) (string, bool) {
	if !h.Has(k) {
		return "", false
	}
	return h.Get(k), true
}

// deliveryStatus reads a message/delivery-status part (RFC 3464): a block
// of fields on the report, then one block per recipient. A recipient with
// Action: failed is a failed one.
func (rd *reader) deliveryStatus(r io.Reader) {
	b := rd.readReport(r)
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	var block []string
	flush := func() {
		if len(block) > 0 {
			rd.recipientStatus(reportFields(block))
			block = block[:0]
		}
	}
	for line := range strings.SplitSeq(toUTF8(b), "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		block = append(block, line)
	}
	flush()
}

// recipientStatus takes a recipient's block of a delivery report.
func (rd *reader) recipientStatus(f map[string]string) {
	action, _, _ := strings.Cut(strings.TrimSpace(f["action"]), " ")
	if !strings.EqualFold(action, "failed") || len(rd.in.Bounce.Failed) >= readMaxAddresses {
		return
	}
	final := reportAddress(f["final-recipient"])
	addr := reportAddress(f["original-recipient"])
	if addr == "" {
		addr = final
	}
	if addr == "" {
		return
	}
	status, _, _ := strings.Cut(strings.TrimSpace(f["status"]), " ")
	diag := f["diagnostic-code"]
	if _, d, ok := strings.Cut(diag, ";"); ok {
		diag = d
	}
	diag = strings.TrimSpace(diag)
	if len(diag) > 500 {
		diag = strings.ToValidUTF8(diag[:500], "")
	}
	rd.in.Bounce.Failed = append(rd.in.Bounce.Failed, BouncedRecipient{Address: addr, Final: final, Status: status, Diagnostic: diag})
}

// reportFields reads the fields of a block ("Name: value", continued on
// lines that begin with a space), keyed by lower-cased name; the first of
// each.
func reportFields(lines []string) map[string]string {
	f := map[string]string{}
	key := ""
	for _, l := range lines {
		if (l[0] == ' ' || l[0] == '\t') && key != "" {
			f[key] += " " + strings.TrimSpace(l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			key = ""
			continue
		}
		key = strings.ToLower(strings.TrimSpace(k))
		if _, seen := f[key]; seen {
			key = "" // the first one counts; continuations of the others do not
			continue
		}
		f[key] = strings.TrimSpace(v)
	}
	return f
}

// reportAddress is the address of "rfc822; user@example.org" (or
// "utf-8; …"), lower-cased.
func reportAddress(v string) string {
	if _, a, ok := strings.Cut(v, ";"); ok {
		v = a
	}
	a := normalAddress(v)
	if !strings.Contains(a, "@") {
		return ""
	}
	return a
}

// returnedHeader reads the header of the mail that bounced, included in
// the report (message/rfc822 whole, or text/rfc822-headers), for its
// Message-ID.
func (rd *reader) returnedHeader(r io.Reader) {
	br := bufio.NewReader(io.LimitReader(r, readMaxReport))
	block, _, err := readHeaderBlock(br, readMaxReport, func(string) {})
	rd.drain(r)
	if err != nil {
		return
	}
	th, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	h := message.Header{Header: th}
	if id := messageID(h.Get("Message-Id")); id != "" && rd.in.Bounce.MessageID == "" {
		rd.in.Bounce.MessageID = id
	}
}

// readReport reads a part of a report, up to readMaxReport.
func (rd *reader) readReport(r io.Reader) []byte {
	var b bytes.Buffer
	if _, err := io.Copy(&b, io.LimitReader(r, readMaxReport)); err != nil && !rd.checkStop() {
		rd.defect("report: " + err.Error())
	}
	rd.drain(r)
	return b.Bytes()
}
