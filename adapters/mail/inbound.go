package mail

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // mail in other charsets than UTF-8
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Reading a mail: Read turns the raw bytes of one mail into what the
// adapter needs to hand the core a bot.Letter, or to set it aside — its
// ids, sender and language, its text with the quoted history and the
// signature trimmed, its attachments listed, and whether it was written by
// a machine, bounced, came from a sender the helpdesk's own server vouched
// for, or was too large. It is a pure function of the bytes and the
// options: no network, no clock, no store.
//
// Read is made for hostile input. It never panics, its time is linear in
// the size of the mail, it holds at most a few megabytes whatever the mail
// (attachments are streamed, texts and headers are capped), and it returns
// an error only when the reader itself failed or the bytes are no mail at
// all (ErrUnreadable); anything else that is wrong with a mail is reported
// in Incoming.Defects and the rest is read.

// ReadOptions says what Read needs to know of the helpdesk.
type ReadOptions struct {
	// MaxSize caps the whole mail, in bytes; 0 is 10 MB. A larger mail is
	// read as far as the cap, then counted to its end: Incoming.Oversized
	// says so, and its header (ids, sender, machine rules, trust) is all
	// there to hold it aside and tell staff.
	MaxSize int64
	// MaxAttachment caps each attachment, decoded; 0 is MaxSize.
	MaxAttachment int64
	// Attachment, when set, is handed each attachment's decoded bytes as
	// they are read, to keep them (the adapter stores them, Read does not
	// hold them); a's Size, TooLarge and Damaged are known only in
	// Incoming.Attachments, once Read returns. It should read body to its
	// end and return the error body returned, if any: past MaxAttachment
	// body returns ErrTooLarge (the attachment is listed TooLarge), and a
	// mail cut or badly encoded ends it early (listed Damaged). Any other
	// error it returns stops Read with that error (a full disk: the mail
	// is not taken, to be handed over again). When nil, the bytes are only
	// counted.
	Attachment func(a Attachment, body io.Reader) error

	// OwnDomain is the domain of the helpdesk's Message-IDs: a mail with
	// such an id is the helpdesk's own, come back.
	OwnDomain string
	// OwnAddresses are the helpdesk's addresses: in X-Loop, or as the
	// sender, the mail is the helpdesk's own.
	OwnAddresses []string
	// AuthServID is the authserv-id of the helpdesk's own receiving server
	// in Authentication-Results; "" when none is configured (Trust is then
	// TrustUnchecked).
	AuthServID string

	// Recipients are the envelope recipients (LMTP's RCPT TO), when known:
	// the first place the address written to is looked for.
	Recipients []string
	// AddressLang maps the helpdesk's addresses (any case) to the language
	// of each ("info-sv@…" → "sv").
	AddressLang map[string]string
	// Match returns the helpdesk's language that serves a tag or a list of
	// them, if any (the adapter passes locales.Catalog.Match); nil takes
	// tags as they are written.
	Match func(tag string) (string, bool)
	// Detect guesses the language of a text, restricted to the helpdesk's
	// languages and sure enough of it (package langdetect has one); nil
	// detects none.
	Detect func(text string) (string, bool)
}

// Incoming is a mail as Read found it.
type Incoming struct {
	// ID is its Message-ID without the angle brackets. A mail without one
	// (or with one that is no id) gets one made from a hash of its bytes
	// (DerivedID): the same mail handed over again gets the same id, even
	// through another hop, as the trace fields each hop adds are left out
	// of the hash (Received, Return-Path, Delivered-To, X-Original-To,
	// Authentication-Results, ARC-*, Received-SPF, X-Spam-*) and so are
	// the carriage returns.
	ID        string
	DerivedID bool
	// From is the sender's address, lower-cased, an internationalised
	// domain as written; Name their display name.
	From string
	Name string
	// Subject, RFC 2047 decoded.
	Subject string
	// Date as the sender's client wrote it; zero when missing or unreadable.
	Date time.Time
	// Refs are the ids in In-Reply-To, then in References from the newest
	// to the oldest, without brackets, each once.
	Refs []string
	// The addresses it was written to, lower-cased: To, Cc, and those the
	// receiving servers recorded (Delivered-To, X-Original-To).
	To, Cc, DeliveredTo []string
	// ContentLanguage is the Content-Language of the mail (or of its text
	// part), as written.
	ContentLanguage string

	// Text is what the person wrote, as plain text: the first text/plain
	// part (texts of one multipart/mixed joined), or the HTML one
	// converted when there is none (FromHTML), with the quoted history and
	// the signature trimmed. FullText is the same text untrimmed.
	Text     string
	FullText string
	FromHTML bool

	Attachments []Attachment

	// Size is the number of bytes read; Oversized says it is over MaxSize:
	// the text and attachments are then only what came before the cap.
	Size      int64
	Oversized bool

	// Machine names the first rule that found the mail written by a
	// machine (Rule…), "" for a person's mail. Machine mail is never
	// answered and never opens a case.
	Machine string
	// Bounce is the delivery report of a mail that could not be delivered,
	// nil for other mail.
	Bounce *Bounce

	// Auth is what the helpdesk's own receiving server found of the
	// sender.
	Auth Auth

	// Lang is the helpdesk's language for the mail, "" when none could be
	// told (the core then uses the sender's known language or the
	// default); LangSource says what decided it (Lang…).
	Lang       string
	LangSource string

	// Defects lists what was wrong with the mail and read around (for
	// logs: never shown to the sender).
	Defects []string
}

// Attachment is a file in a mail.
type Attachment struct {
	// Part is its place in the mail as IMAP numbers parts ("2", "1.3").
	Part string
	// Name is its file name as the sender gave it, made safe to show: no
	// folders, no control or bidirectional-override characters, at most
	// 255 bytes; "" when it has none.
	Name string
	// MediaType is the declared type, lower-cased (never sniffed).
	MediaType string
	// Size is its decoded size in bytes, counted to its end even past
	// MaxAttachment.
	Size int64
	// Inline says the sender's client meant it to be shown in the text (an
	// image in the HTML, a logo in a signature); ContentID names it there.
	Inline    bool
	ContentID string
	// TooLarge: over MaxAttachment. Damaged: its bytes are not all there
	// (the mail was cut at MaxSize or it was badly encoded).
	TooLarge bool
	Damaged  bool
}

// Bounce is a delivery status notification (RFC 3464): a mail could not
// be delivered.
type Bounce struct {
	// Failed are the recipients the report says failed (Action: failed).
	Failed []BouncedRecipient
	// MessageID is the Message-ID of the mail that bounced, when the report
	// includes its header; "" otherwise.
	MessageID string
}

// BouncedRecipient is one recipient a delivery failed for.
type BouncedRecipient struct {
	// Address is the recipient as the bounced mail was addressed
	// (Original-Recipient), else as the last server tried it
	// (Final-Recipient), lower-cased.
	Address string
	// Final is the Final-Recipient, lower-cased.
	Final string
	// Status is the enhanced status code ("5.1.1"); Diagnostic the remote
	// server's words, for staff.
	Status     string
	Diagnostic string
}

// Errors of Read.
var (
	// ErrUnreadable: the bytes are no mail (no header at all). Trying
	// again cannot help.
	ErrUnreadable = errors.New("mail: not a mail")
	// ErrTooLarge is what an attachment's body returns past MaxAttachment.
	ErrTooLarge = errors.New("mail: attachment too large")
)

// The caps that bound Read's memory and time whatever the mail.
const (
	readDefaultMaxSize = 10 << 20
	readMaxHeader      = 1 << 20   // the header of the mail
	readMaxText        = 1 << 20   // a text part kept
	readMaxReport      = 256 << 10 // a delivery-status part or returned header
	readMaxDepth       = 16        // nested multiparts
	readMaxParts       = 500       // parts in all
	readMaxRefs        = 100       // ids in In-Reply-To and References
	readMaxAddresses   = 500       // addresses in To, Cc and the like
	readMaxDefects     = 20
)

// Read reads one mail from r, which must end (the intake bounds it). See
// Incoming for what it finds; it returns an error only when r failed (try
// again later) or the bytes are no mail (ErrUnreadable).
func Read(r io.Reader, opt ReadOptions) (Incoming, error) {
	if opt.MaxSize <= 0 {
		opt.MaxSize = readDefaultMaxSize
	}
	if opt.MaxAttachment <= 0 {
		opt.MaxAttachment = opt.MaxSize
	}
	rd := &reader{opt: opt, src: &counter{r: r}}
	br := bufio.NewReaderSize(rd.src, 32<<10)

	block, rest, err := readHeaderBlock(br, readMaxHeader, rd.defect)
	if rd.src.err != nil {
		return Incoming{}, fmt.Errorf("mail: read: %w", rd.src.err)
	}
	if err != nil {
		return Incoming{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	if err != nil && err != io.EOF {
		rd.defect("header: " + err.Error())
	}
	if th.Len() == 0 {
		_, _ = io.Copy(io.Discard, br)
		if rd.src.err != nil {
			return Incoming{}, fmt.Errorf("mail: read: %w", rd.src.err)
		}
		return Incoming{}, fmt.Errorf("%w: no header fields in %d bytes", ErrUnreadable, rd.src.n)
	}
	h := message.Header{Header: th}

	// The body: hashed as it goes by (every byte, even past the cap),
	// capped for what reads it.
	rd.sum = sha256.New()
	hashHeader(rd.sum, th)
	headerBytes := rd.src.n - int64(br.Buffered()) - int64(len(rest))
	tee := io.TeeReader(io.MultiReader(bytes.NewReader(rest), br), crlfless{rd.sum})
	rd.body = &capped{r: tee, left: opt.MaxSize - headerBytes}

	in := &rd.in
	rd.header(h)
	// An unknown charset or transfer encoding is read as it is.
	e, err := message.New(h, rd.body)
	if err != nil {
		rd.defect("body: " + err.Error())
	}
	rd.text(rd.walk(e, "", 0, false))
	if rd.fatal != nil {
		return Incoming{}, rd.fatal
	}

	// Count and hash the rest, past any cap.
	_, _ = io.Copy(io.Discard, tee)
	if rd.src.err != nil {
		return Incoming{}, fmt.Errorf("mail: read: %w", rd.src.err)
	}
	in.Size = rd.src.n
	in.Oversized = rd.body.over || in.Size > opt.MaxSize
	if in.ID == "" {
		in.ID = hex.EncodeToString(rd.sum.Sum(nil)[:16]) + "@no-message-id.invalid"
		in.DerivedID = true
	}
	in.Machine = machineRule(h, in, opt)
	in.Auth = checkAuth(h, in.From, opt.AuthServID)
	rd.language()
	return *in, nil
}

// reader is the state of one Read.
type reader struct {
	opt   ReadOptions
	src   *counter
	body  *capped
	sum   hash.Hash
	in    Incoming
	parts int
	fatal error // an error of the Attachment callback: Read stops with it
	stop  bool  // the cap was reached or the source failed: read no more
}

func (rd *reader) defect(d string) {
	if len(rd.in.Defects) < readMaxDefects {
		rd.in.Defects = append(rd.in.Defects, d)
	}
}

// header takes what the mail's header says of the mail.
func (rd *reader) header(h message.Header) {
	in := &rd.in
	mh := gomail.Header{Header: h}

	in.ID = messageID(h.Get("Message-Id"))
	if h.Get("Message-Id") != "" && in.ID == "" {
		rd.defect("Message-ID unreadable")
	}
	in.Subject = headerText(h, "Subject")
	if d, err := mh.Date(); err == nil {
		in.Date = d
	}

	from := h.Values("From")
	if len(from) > 1 {
		rd.defect("several From fields")
	}
	if len(from) > 0 {
		addrs := addressList(h, "From")
		if len(addrs) > 1 {
			rd.defect("several From addresses")
		}
		if len(addrs) > 0 {
			in.From, in.Name = addrs[0].addr, addrs[0].name
		} else {
			rd.defect("From unreadable")
		}
	}

	in.Refs = msgIDs(readMaxRefs, h.Values("In-Reply-To"), reversed(h.Values("References")))
	in.ContentLanguage = strings.TrimSpace(headerText(h, "Content-Language"))
	in.To = addresses(addressList(h, "To"))
	in.Cc = addresses(addressList(h, "Cc"))
	var delivered []string
	for _, k := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range h.Values(k) {
			if a := normalAddress(v); a != "" && len(delivered) < readMaxAddresses {
				delivered = appendNew(delivered, a)
			}
		}
	}
	in.DeliveredTo = delivered
}

// walk reads an entity and what it contains: the texts it finds are
// returned, the attachments listed as they go by.
func (rd *reader) walk(e *message.Entity, part string, depth int, report bool) texts {
	mt, params := mediaType(e.Header)
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] == "" {
		rd.defect("multipart without boundary at " + partName(part) + ": read as text")
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= readMaxDepth {
			rd.defect("multipart nested deeper than " + strconv.Itoa(readMaxDepth) + " at " + partName(part))
			rd.drain(e.Body)
			return texts{}
		}
		inReport := mt == "multipart/report" && strings.Contains(strings.ToLower(params["report-type"]), "delivery-status")
		if inReport && rd.in.Bounce == nil {
			rd.in.Bounce = &Bounce{}
		}
		mr := textproto.NewMultipartReader(e.Body, params["boundary"])
		var all texts
		var alternatives []texts
		for i := 1; !rd.stop; i++ {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !rd.checkStop() {
					rd.defect("multipart " + partName(part) + ": " + err.Error())
				}
				break
			}
			rd.parts++
			if rd.parts > readMaxParts {
				rd.defect("more than " + strconv.Itoa(readMaxParts) + " parts")
				rd.stop = true
				break
			}
			// An unknown charset or transfer encoding is read as it is.
			child, err := message.New(message.Header{Header: p.Header}, p)
			if err != nil {
				rd.defect("part " + subPart(part, i) + ": " + err.Error())
			}
			t := rd.walk(child, subPart(part, i), depth+1, inReport)
			if mt == "multipart/alternative" {
				alternatives = append(alternatives, t)
			} else {
				all.add(t)
			}
		}
		if mt == "multipart/alternative" {
			return preferPlain(alternatives)
		}
		return all
	}
	if part == "" {
		part = "1"
	}

	disp, dparams, _ := mime.ParseMediaType(e.Header.Get("Content-Disposition"))
	disp = strings.ToLower(disp)
	name := fileName(dparams, params)
	switch {
	case report && (mt == "message/delivery-status" || mt == "message/global-delivery-status"):
		rd.deliveryStatus(e.Body)
		return texts{}
	case report && (mt == "message/rfc822" || mt == "text/rfc822-headers" || mt == "message/global" || mt == "message/global-headers"):
		rd.returnedHeader(e.Body)
		return texts{}
	case (mt == "text/plain" || mt == "text/html") && disp != "attachment" && name == "":
		return rd.textPart(e, mt, params)
	}
	rd.attachment(e, Attachment{
		Part:      part,
		Name:      name,
		MediaType: mt,
		Inline:    disp == "inline",
		ContentID: strings.TrimSpace(strings.Trim(strings.TrimSpace(e.Header.Get("Content-Id")), "<>")),
	})
	return texts{}
}

// checkStop says whether reading must stop (the cap was reached or the
// source failed), and stops it.
func (rd *reader) checkStop() bool {
	if rd.body.over || rd.src.err != nil {
		rd.stop = true
	}
	return rd.stop
}

// drain reads r to its end (or the cap) for nothing.
func (rd *reader) drain(r io.Reader) {
	_, err := io.Copy(io.Discard, r)
	if err != nil && !rd.checkStop() {
		rd.defect("body: " + err.Error())
	}
}

// texts are the texts found in a part.
type texts struct {
	plain, html []string
	lang        string // the Content-Language of the first of them
}

func (t *texts) add(o texts) {
	t.plain = append(t.plain, o.plain...)
	t.html = append(t.html, o.html...)
	if t.lang == "" {
		t.lang = o.lang
	}
}

// preferPlain chooses among the alternatives of a multipart/alternative:
// the first with plain text, else the first with HTML.
func preferPlain(alts []texts) texts {
	for _, t := range alts {
		if len(t.plain) > 0 {
			return texts{plain: t.plain, lang: t.lang}
		}
	}
	for _, t := range alts {
		if len(t.html) > 0 {
			return texts{html: t.html, lang: t.lang}
		}
	}
	return texts{}
}

// textPart reads a text/plain or text/html part, up to readMaxText.
func (rd *reader) textPart(e *message.Entity, mt string, params map[string]string) texts {
	var b bytes.Buffer
	_, err := io.Copy(&b, io.LimitReader(e.Body, readMaxText))
	if err != nil {
		if rd.checkStop() {
			return texts{} // cut: not the whole text, so none of it
		}
		rd.defect("text: " + err.Error())
	}
	if n, _ := io.Copy(io.Discard, e.Body); n > 0 {
		rd.defect("text longer than " + strconv.Itoa(readMaxText) + " bytes: cut")
	}
	if rd.checkStop() {
		return texts{}
	}
	s := toUTF8(b.Bytes())
	t := texts{lang: strings.TrimSpace(e.Header.Get("Content-Language"))}
	if mt == "text/html" {
		t.html = []string{s}
		return t
	}
	if strings.EqualFold(params["format"], "flowed") {
		s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
	}
	t.plain = []string{s}
	return t
}

// text sets the mail's text from the texts found.
func (rd *reader) text(t texts) {
	in := &rd.in
	var s string
	switch {
	case len(t.plain) > 0:
		s = strings.Join(t.plain, "\n\n")
	case len(t.html) > 0:
		parts := make([]string, len(t.html))
		for i, h := range t.html {
			parts[i] = htmlText(h)
		}
		s = strings.Join(parts, "\n\n")
		in.FromHTML = true
	}
	if in.ContentLanguage == "" {
		in.ContentLanguage = t.lang
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	in.FullText = tidyText(s)
	in.Text = trimReply(s, isForward(in.Subject))
}

// attachment lists an attachment, handing its bytes to the callback.
func (rd *reader) attachment(e *message.Entity, a Attachment) {
	ar := &attachReader{r: e.Body, left: rd.opt.MaxAttachment}
	if rd.opt.Attachment != nil {
		if err := rd.opt.Attachment(a, ar); err != nil && !errors.Is(err, ErrTooLarge) && (ar.err == nil || !errors.Is(err, ar.err)) {
			rd.fatal = fmt.Errorf("mail: keep attachment %s: %w", a.Part, err)
			rd.stop = true
			return
		}
	}
	// What the callback did not read, or all of it without one: counted.
	n, err := io.Copy(io.Discard, e.Body)
	ar.n += n
	if err == nil {
		err = ar.err
	}
	a.Size = ar.n
	a.TooLarge = ar.n > rd.opt.MaxAttachment
	if err != nil {
		a.Damaged = true
		if !rd.checkStop() {
			rd.defect("attachment " + a.Part + ": " + err.Error())
		}
	}
	rd.in.Attachments = append(rd.in.Attachments, a)
}

// attachReader is an attachment's body as the callback reads it: up to
// the cap, then ErrTooLarge.
type attachReader struct {
	r    io.Reader
	left int64
	n    int64
	err  error // the body's own error, if it failed
}

func (a *attachReader) Read(p []byte) (int, error) {
	if a.left <= 0 {
		// At the cap: more is too much, the end is the end.
		var one [1]byte
		n, err := a.r.Read(one[:])
		a.n += int64(n)
		if n > 0 {
			return 0, ErrTooLarge
		}
		if err != nil && err != io.EOF {
			a.err = err
		}
		return 0, err
	}
	if int64(len(p)) > a.left {
		p = p[:a.left]
	}
	n, err := a.r.Read(p)
	a.n += int64(n)
	a.left -= int64(n)
	if err != nil && err != io.EOF {
		a.err = err
	}
	return n, err
}

// counter reads the source, counting its bytes and keeping its error.
type counter struct {
	r   io.Reader
	n   int64
	err error
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// errOversized is what the body returns past MaxSize.
var errOversized = errors.New("mail: over the size cap")

// capped reads the body up to the cap, then says errOversized if there is
// more.
type capped struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.over {
		return 0, errOversized
	}
	if c.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			c.over = true
			return 0, errOversized
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func partName(p string) string {
	if p == "" {
		return "the mail"
	}
	return p
}

func subPart(p string, i int) string {
	if p == "" {
		return strconv.Itoa(i)
	}
	return p + "." + strconv.Itoa(i)
}
