package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// helpdeskOptions are the options the helpdesk of these tests reads with.
func helpdeskOptions() ReadOptions {
	return ReadOptions{
		OwnDomain:    "wikimedia.se",
		OwnAddresses: []string{"helpdesk@wikimedia.se", "helpdesk-es@wikimedia.se", "helpdesk-ar@wikimedia.se"},
		AuthServID:   "mx.wikimedia.se",
		AddressLang:  map[string]string{"Helpdesk-ES@wikimedia.se": "es", "helpdesk-ar@wikimedia.se": "ar"},
		Match:        matchHelpdesk,
	}
}

// matchHelpdesk matches tags to the helpdesk's eight languages by their
// base language, as locales.Catalog.Match does for these tags.
func matchHelpdesk(tag string) (string, bool) {
	for _, t := range strings.Split(tag, ",") {
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(strings.Split(t, ";")[0])), "-")
		switch base {
		case "en", "sv", "fi", "fr", "es", "ar", "bn":
			return base, true
		case "pt":
			return "pt-BR", true
		}
	}
	return "en", false
}

// mailFile is a mail of testdata with CRLF line ends, as IMAP and LMTP
// hand mail over.
func mailFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return crlf(b)
}

func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func read(t testing.TB, raw []byte, opt ReadOptions) Incoming {
	t.Helper()
	in, err := Read(bytes.NewReader(raw), opt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return in
}

func readFile(t testing.TB, name string) Incoming {
	t.Helper()
	return read(t, mailFile(t, name), helpdeskOptions())
}

// A reply from Outlook in Swedish: its ids, sender, subject, its text
// without Outlook's history and signature block, the plain alternative
// chosen, a trusted sender, Swedish by Content-Language.
func TestReadOutlookReply(t *testing.T) {
	in := readFile(t, "outlook-reply-sv.eml")
	check(t, "ID", in.ID, "DB9PR07MB7113A1B2C3D4E5F6@DB9PR07MB7113.eurprd07.prod.outlook.com")
	check(t, "From", in.From, "karin.lindqvist@sundsvall-museum.se")
	check(t, "Name", in.Name, "Karin Lindqvist")
	check(t, "Subject", in.Subject, "SV: [#42] Uppladdning av hamnbilder")
	checkList(t, "Refs", in.Refs, "case-42.letter-1.k3j4h5@wikimedia.se")
	checkList(t, "To", in.To, "helpdesk@wikimedia.se")
	check(t, "Text", in.Text, "Hej,\n\nVi har nu 312 bilder klara. Licensen blir CC BY 4.0, och vi kan skicka en\nlista med beskrivningar nästa vecka.\n\nMed vänliga hälsningar\nKarin Lindqvist\nArkivarie, Sundsvalls hembygdsmuseum\nTel. 060-12 34 56")
	if !strings.Contains(in.FullText, "Kommittén undrar") {
		t.Errorf("FullText lost the history: %q", in.FullText)
	}
	if in.FromHTML || in.Machine != "" || in.Oversized || in.DerivedID || len(in.Attachments) != 0 {
		t.Errorf("FromHTML %v, Machine %q, Oversized %v, DerivedID %v, Attachments %v", in.FromHTML, in.Machine, in.Oversized, in.DerivedID, in.Attachments)
	}
	check(t, "Trust", string(in.Auth.Trust), string(TrustPass))
	check(t, "Lang", in.Lang+" by "+in.LangSource, "sv by "+LangByContentLanguage)
	if want := time.Date(2025, 3, 3, 10, 15, 2, 0, time.UTC); !in.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", in.Date, want)
	}
	if len(in.Defects) > 0 {
		t.Errorf("Defects: %q", in.Defects)
	}
}

// A reply from Gmail in French: the attribution Gmail wrapped over two
// lines and the quote below it are history.
func TestReadGmailReply(t *testing.T) {
	in := readFile(t, "gmail-reply-fr.eml")
	check(t, "ID", in.ID, "CAF=Yq1tB0h3u7x0v3Q8pN2Zk4e-Wq+ZB2KqVv0Hn8r=Q@mail.gmail.com")
	check(t, "Subject", in.Subject, "Re: [#7] Numérisation des cartes postales")
	check(t, "Text", in.Text, "Bonjour,\n\nOui, nous avons l'accord écrit de la mairie pour les 80 cartes postales.\nJe vous l'envoie dès demain.\n\nCordialement,\nSophie")
	checkList(t, "DeliveredTo", in.DeliveredTo, "helpdesk@wikimedia.se")
	// No Authentication-Results of the helpdesk's server at all.
	check(t, "Trust", string(in.Auth.Trust), string(TrustMissing))
	check(t, "Lang", in.Lang, "")
}

// Apple Mail in Spanish: format=flowed joined, "Enviado desde mi iPhone"
// and the quote dropped, a CSV attachment named in RFC 2231, Spanish by
// the address written to, the sender's name RFC 2047 decoded.
func TestReadAppleReply(t *testing.T) {
	var kept []byte
	opt := helpdeskOptions()
	opt.Attachment = func(a Attachment, body io.Reader) error {
		b, err := io.ReadAll(body)
		kept = b
		return err
	}
	in := read(t, mailFile(t, "apple-reply-es.eml"), opt)
	check(t, "Name", in.Name, "Javier Ruiz García")
	check(t, "From", in.From, "javier.ruiz@icloud.com")
	check(t, "Text", in.Text, "Hola:\n\nAdjunto la lista de fotografías que queremos subir. Son unas 150 imágenes del archivo municipal, todas anteriores a 1930.\n\nSaludos,\nJavier")
	if len(in.Attachments) != 1 {
		t.Fatalf("Attachments = %+v", in.Attachments)
	}
	a := in.Attachments[0]
	check(t, "attachment", fmt.Sprintf("%s %s %s %d", a.Part, a.Name, a.MediaType, a.Size), "2 lista de fotografías.csv text/csv 90")
	if !bytes.HasPrefix(kept, []byte("archivo;fecha;descripción\n")) || int64(len(kept)) != a.Size {
		t.Errorf("kept %q", kept)
	}
	check(t, "Lang", in.Lang+" by "+in.LangSource, "es by "+LangByAddress)
}

// Thunderbird in Finnish, bottom-posted: the attribution and quote above
// the answer go, and so does the "-- " signature.
func TestReadThunderbirdReply(t *testing.T) {
	in := readFile(t, "thunderbird-reply-fi.eml")
	check(t, "Text", in.Text, "Kuvat julkaistaan CC0-lisenssillä. Kokoelmassa on noin 1 200 kuvaa 1950-luvulta, ja metatiedot ovat valmiina taulukkona.\n\nYstävällisin terveisin\nMatti")
	// In-Reply-To first, then References from the newest, each once.
	checkList(t, "Refs", in.Refs, "case-23.letter-2.cc33@wikimedia.se", "case-23.letter-1.bb22@wikimedia.se")
	check(t, "Lang", in.Lang+" by "+in.LangSource, "fi by "+LangByContentLanguage)
}

// A new request from Gmail in Portuguese: base64 text from the plain
// alternative in a multipart/mixed, a PDF whose RFC 2047 name is decoded,
// its bytes streamed to the callback and counted.
func TestReadNewRequestWithAttachment(t *testing.T) {
	var got bytes.Buffer
	opt := helpdeskOptions()
	opt.Attachment = func(a Attachment, body io.Reader) error {
		_, err := io.Copy(&got, body)
		return err
	}
	in := read(t, mailFile(t, "gmail-new-pt.eml"), opt)
	check(t, "Subject", in.Subject, "Envio de fotografias históricas do Arquivo Público")
	if !strings.HasPrefix(in.Text, "Olá,\n\nSomos o Arquivo Público de Recife") || !strings.HasSuffix(in.Text, "Coordenadora de Acervo") {
		t.Errorf("Text = %q", in.Text)
	}
	if in.FromHTML {
		t.Error("the HTML alternative was chosen over the plain one")
	}
	if len(in.Attachments) != 1 {
		t.Fatalf("Attachments = %+v", in.Attachments)
	}
	a := in.Attachments[0]
	check(t, "attachment", fmt.Sprintf("%s|%s|%s|%s|%v", a.Part, a.Name, a.MediaType, a.ContentID, a.Inline), "2|Inventário da coleção.pdf|application/pdf|f_m7t2x9k40|false")
	if a.Size != 2840 || int64(got.Len()) != a.Size || !bytes.HasPrefix(got.Bytes(), []byte("%PDF-1.4")) {
		t.Errorf("size %d, kept %d bytes", a.Size, got.Len())
	}
	if a.TooLarge || a.Damaged {
		t.Errorf("%+v", a)
	}
	check(t, "Lang", in.Lang, "") // no Detect given
}

// HTML only, from Outlook on the web in Arabic: converted, Outlook's
// Arabic header block and what follows it trimmed, Arabic by the address
// written to.
func TestReadHTMLOnlyArabic(t *testing.T) {
	in := readFile(t, "outlook-web-html-ar.eml")
	if !in.FromHTML {
		t.Error("FromHTML is false")
	}
	check(t, "Name", in.Name, "ليلى حداد")
	check(t, "Subject", in.Subject, "مكتبة الجامعة")
	check(t, "Text", in.Text, "مرحبا،\nنحن مكتبة جامعية في عمّان ونود رفع مجموعة من المخطوطات الرقمية إلى ويكيميديا كومنز.\nهل يمكنكم مساعدتنا في اختيار الترخيص المناسب؟\n\nمع التحية،\nليلى حداد")
	check(t, "Lang", in.Lang+" by "+in.LangSource, "ar by "+LangByAddress)
}

// 8-bit Latin-1 with no MIME header at all, the subject in raw Latin-1
// bytes: read as Windows-1252, nothing lost.
func TestReadLatin1(t *testing.T) {
	in := readFile(t, "latin1-8bit.eml")
	check(t, "Subject", in.Subject, "Fråga om bilder från vårt arkiv")
	check(t, "Name", in.Name, "Björn Åkesson")
	if !strings.Contains(in.Text, "Vi på hembygdsföreningen i Åre har gamla vykort från 1900-talets början") {
		t.Errorf("Text = %q", in.Text)
	}
}

func TestReadBengali(t *testing.T) {
	in := readFile(t, "gmail-new-bn.eml")
	check(t, "Name", in.Name, "রহিম উদ্দিন")
	check(t, "Subject", in.Subject, "আপলোড সাহায্য")
	if !strings.HasPrefix(in.Text, "নমস্কার,\n\nআমরা ঢাকার একটি ছোট গ্রন্থাগার।") {
		t.Errorf("Text = %q", in.Text)
	}
}

// A mail without a Message-ID gets one from a hash of its bytes: the same
// for the same bytes, with LF or CRLF line ends, and through another hop
// (a Received, Delivered-To, Return-Path and Authentication-Results more);
// another for another mail.
func TestReadDerivedID(t *testing.T) {
	mail := "From: a@example.org\nTo: helpdesk@wikimedia.se\nSubject: Hello\nDate: Wed, 5 Mar 2025 08:00:00 +0100\n\nPlease help.\n"
	first := read(t, []byte(mail), ReadOptions{})
	if !first.DerivedID || !strings.HasSuffix(first.ID, "@no-message-id.invalid") || len(first.ID) != 32+len("@no-message-id.invalid") {
		t.Fatalf("ID %q, derived %v", first.ID, first.DerivedID)
	}
	again := read(t, crlf([]byte(mail)), ReadOptions{})
	hop := read(t, []byte("Return-Path: <a@example.org>\nDelivered-To: helpdesk@wikimedia.se\nReceived: from mx (mx [192.0.2.1]) by mx2; Wed, 5 Mar 2025 08:00:09 +0100\nAuthentication-Results: mx2.wikimedia.se; dmarc=none\n"+mail), ReadOptions{})
	other := read(t, []byte(strings.Replace(mail, "Please help.", "Please help!", 1)), ReadOptions{})
	if again.ID != first.ID || hop.ID != first.ID {
		t.Errorf("the same mail: %q, %q, %q", first.ID, again.ID, hop.ID)
	}
	if other.ID == first.ID {
		t.Error("another mail got the same id")
	}
	// An id that is no id is replaced too.
	if in := read(t, []byte("Message-ID: <not an id>\n"+mail), ReadOptions{}); !in.DerivedID {
		t.Errorf("ID %q", in.ID)
	}
	// An id without brackets is taken as it is.
	check(t, "ID", read(t, []byte("Message-ID: 1234.5678@host.example\n"+mail), ReadOptions{}).ID, "1234.5678@host.example")
}

// Every id of In-Reply-To and References, brackets stripped, whatever the
// clients wrote around them.
func TestReadRefs(t *testing.T) {
	mail := "From: a@example.org\n" +
		"In-Reply-To: <c@x.example> (Jane's message of Mon, 3 Mar 2025)\n" +
		"References: <a@x.example>\n <b@x.example> <c@x.example>\n" +
		"References: d@x.example\n" +
		"\nHi\n"
	checkList(t, "Refs", read(t, []byte(mail), ReadOptions{}).Refs, "c@x.example", "d@x.example", "b@x.example", "a@x.example")

	// A thread of 300 mails: the newest and the very first kept.
	var refs []string
	for i := range 300 {
		refs = append(refs, fmt.Sprintf("<m%d@x.example>", i))
	}
	got := read(t, []byte("From: a@example.org\nReferences: "+strings.Join(refs, "\n ")+"\n\nHi\n"), ReadOptions{}).Refs
	if len(got) != readMaxRefs || got[0] != "m299@x.example" || got[len(got)-1] != "m0@x.example" {
		t.Errorf("%d refs, %q … %q", len(got), got[0], got[len(got)-1])
	}
}

// Addresses lower-cased, an internationalised domain as written, the
// display name RFC 2047 decoded; a From that does not parse is still
// found.
func TestReadAddresses(t *testing.T) {
	in := read(t, []byte("From: =?utf-8?q?Ren=C3=A9e?= <Renee@Bücher.Example>\n"+
		"To: \"Helpdesk\" <HELPDESK@wikimedia.se>, other@example.org\n"+
		"Cc: Info-SV@wikimedia.se\n"+
		"X-Original-To: info-sv@wikimedia.se\n"+
		"Delivered-To: helpdesk@wikimedia.se\n\nHej\n"), ReadOptions{})
	check(t, "From", in.From, "renee@bücher.example")
	check(t, "Name", in.Name, "Renée")
	checkList(t, "To", in.To, "helpdesk@wikimedia.se", "other@example.org")
	checkList(t, "Cc", in.Cc, "info-sv@wikimedia.se")
	checkList(t, "DeliveredTo", in.DeliveredTo, "helpdesk@wikimedia.se", "info-sv@wikimedia.se")

	for _, from := range []string{
		"Jörg Müller <joerg@example.de>",   // raw 8-bit name
		"joerg@example.de (Jörg Müller)",   // an old style comment
		`"Müller, Jörg <joerg@example.de>`, // a missing quote
		"<JOERG@example.de>",               // no name
	} {
		in := read(t, []byte("From: "+from+"\n\nHallo\n"), ReadOptions{})
		check(t, "From of "+from, in.From, "joerg@example.de")
	}
	// Line breaks an encoded word carries are spaces.
	in = read(t, []byte("From: =?utf-8?q?Anna=0D=0ABcc:_x@y?= <a@example.org>\nSubject: =?utf-8?q?Photos=0D=0A=09of_the=0Aharbour?=\n\nHi\n"), ReadOptions{})
	check(t, "Name", in.Name, "Anna Bcc: x@y")
	check(t, "Subject", in.Subject, "Photos of the harbour")

	in = read(t, []byte("From: a@example.org, b@example.org\nFrom: c@example.org\n\nHi\n"), ReadOptions{})
	check(t, "From", in.From, "a@example.org")
	if !slices.ContainsFunc(in.Defects, func(d string) bool { return strings.Contains(d, "several From") }) {
		t.Errorf("Defects %q", in.Defects)
	}
}

// The size cap: a mail over it is read up to it and counted to its end,
// its header all there, and said to be Oversized, not an error.
func TestReadOversized(t *testing.T) {
	big := bytes.Repeat([]byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\r\n"), 32000) // ~1.1 MB
	mail := []byte("From: Anna <anna@example.org>\r\nMessage-ID: <big@example.org>\r\nSubject: Scans\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHere are the scans.\r\n" +
		"--b\r\nContent-Type: image/tiff\r\nContent-Disposition: attachment; filename=scan.tif\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	mail = append(mail, big...)
	mail = append(mail, "--b--\r\n"...)
	opt := ReadOptions{MaxSize: 100 << 10}
	seen := false
	opt.Attachment = func(a Attachment, body io.Reader) error {
		seen = true
		_, err := io.Copy(io.Discard, body)
		return err
	}
	in := read(t, mail, opt)
	if !in.Oversized || in.Size != int64(len(mail)) {
		t.Errorf("Oversized %v, Size %d of %d", in.Oversized, in.Size, len(mail))
	}
	check(t, "ID", in.ID, "big@example.org")
	check(t, "From", in.From, "anna@example.org")
	check(t, "Text", in.Text, "Here are the scans.")
	if !seen || len(in.Attachments) != 1 || !in.Attachments[0].Damaged || in.Attachments[0].Size > 100<<10 {
		t.Errorf("seen %v, Attachments %+v", seen, in.Attachments)
	}

	// Just at the cap is not over it.
	small := []byte("From: a@example.org\r\n\r\nHi\r\n")
	if in := read(t, small, ReadOptions{MaxSize: int64(len(small))}); in.Oversized {
		t.Error("a mail of exactly MaxSize is Oversized")
	}
	if in := read(t, small, ReadOptions{MaxSize: int64(len(small) - 1)}); !in.Oversized {
		t.Error("a mail one byte over MaxSize is not Oversized")
	}
	// A header larger than the cap.
	if in := read(t, []byte("From: a@example.org\r\nSubject: "+strings.Repeat("x", 2000)+"\r\n\r\nHi\r\n"), ReadOptions{MaxSize: 1000}); !in.Oversized || in.From != "a@example.org" {
		t.Errorf("Oversized %v, From %q", in.Oversized, in.From)
	}
}

// The attachment cap: the callback's reader says ErrTooLarge past it, the
// attachment is listed TooLarge with its whole size, the rest is read.
func TestReadAttachmentTooLarge(t *testing.T) {
	payload := strings.Repeat("0123456789", 1000) // 10,000 bytes
	mail := "From: a@example.org\nContent-Type: multipart/mixed; boundary=\"xx\"\n\n--xx\nContent-Type: text/plain\n\nSee the files.\n" +
		"--xx\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"big.bin\"\n\n" + payload + "\n" +
		"--xx\nContent-Type: image/png\nContent-Disposition: attachment; filename=small.png\n\nPNG\n--xx--\n"
	var errs []error
	opt := ReadOptions{MaxAttachment: 4096, Attachment: func(a Attachment, body io.Reader) error {
		_, err := io.Copy(io.Discard, body)
		errs = append(errs, err)
		return err
	}}
	in := read(t, []byte(mail), opt)
	if len(in.Attachments) != 2 {
		t.Fatalf("%+v", in.Attachments)
	}
	if a := in.Attachments[0]; !a.TooLarge || a.Size != 10000 || a.Damaged {
		t.Errorf("%+v", a)
	}
	if a := in.Attachments[1]; a.TooLarge || a.Size != 3 || a.Name != "small.png" {
		t.Errorf("%+v", a)
	}
	if !errors.Is(errs[0], ErrTooLarge) || errs[1] != nil {
		t.Errorf("errors %v", errs)
	}
}

// An error of the callback (a full disk) stops Read with it: the mail is
// not taken, and will be handed over again.
func TestReadAttachmentCallbackFails(t *testing.T) {
	disk := errors.New("no space left on device")
	opt := helpdeskOptions()
	opt.Attachment = func(Attachment, io.Reader) error { return disk }
	_, err := Read(bytes.NewReader(mailFile(t, "gmail-new-pt.eml")), opt)
	if !errors.Is(err, disk) {
		t.Errorf("err = %v", err)
	}
}

// A failing reader is an error to try again; bytes that are no mail are
// ErrUnreadable.
func TestReadErrors(t *testing.T) {
	broken := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("From: a@example.org\r\nSubject: x\r\n\r\nHello"), iotest.ErrReader(broken))
	if _, err := Read(r, ReadOptions{}); !errors.Is(err, broken) || errors.Is(err, ErrUnreadable) {
		t.Errorf("err = %v", err)
	}
	for _, raw := range []string{"", "\r\n\r\nno header", "\x00\x01\x02binary", "just some words\nand more\n"} {
		if _, err := Read(strings.NewReader(raw), ReadOptions{}); !errors.Is(err, ErrUnreadable) {
			t.Errorf("Read(%q): err = %v", raw, err)
		}
	}
}

// Mail that breaks the rules is read around what is wrong.
func TestReadMalformed(t *testing.T) {
	for _, c := range []struct{ name, mail, text string }{
		{"a byte order mark", "\ufeffFrom: a@example.org\n\nHello\n", "Hello"},
		{"an mbox From line", "From a@example.org Mon Mar  3 10:00:00 2025\nFrom: a@example.org\n\nHello\n", "Hello"},
		{"no blank line after the header", "From: a@example.org\nSubject: hi\nHello there\nsecond line\n", "Hello there\nsecond line"},
		{"a continuation before any field", " folded\nFrom: a@example.org\n\nHello\n", "Hello"},
		{"no final boundary", "From: a@example.org\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nCut short\n", "Cut short"},
		{"an unknown charset", "From: a@example.org\nContent-Type: text/plain; charset=x-klingon\n\nQapla'\n", "Qapla'"},
		{"an unknown transfer encoding", "From: a@example.org\nContent-Transfer-Encoding: x-uuencode\n\nplain words\n", "plain words"},
		{"bad base64", "From: a@example.org\nContent-Transfer-Encoding: base64\n\nSGVsbG8gdGhlcmU=!!!\n", "Hello there"},
		{"a boundary mime cannot parse", "From: a@example.org\nContent-Type: multipart/mixed; boundary=abc; foo\n\n--abc\n\nInside\n--abc--\n", "Inside"},
		{"a multipart without boundary", "From: a@example.org\nContent-Type: multipart/mixed\n\nwhat now\n", "what now"},
		{"a text/plain in UTF-8 that is Latin-1", "From: a@example.org\nContent-Type: text/plain; charset=utf-8\n\nH\xe4lsningar\n", "Hälsningar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := read(t, []byte(c.mail), ReadOptions{})
			check(t, "From", in.From, "a@example.org")
			check(t, "Text", in.Text, c.text)
		})
	}
}

// A multipart nested deeper than the cap is skipped, not followed.
func TestReadDeepNesting(t *testing.T) {
	in := read(t, nested(200, "Deep inside"), ReadOptions{})
	if in.Text != "" || !slices.ContainsFunc(in.Defects, func(d string) bool { return strings.Contains(d, "nested deeper") }) {
		t.Errorf("Text %q, Defects %q", in.Text, in.Defects)
	}
	in = read(t, nested(readMaxDepth-1, "Not too deep"), ReadOptions{})
	check(t, "Text", in.Text, "Not too deep")
}

// nested is a mail of depth multiparts one in another, text at the heart.
func nested(depth int, text string) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\n%s\r\n", depth-1, text)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// Texts and attachments in the shapes clients make: Apple Mail's text
// around an attachment joined; a text file attached is an attachment;
// an inline image in multipart/related is listed inline.
func TestReadParts(t *testing.T) {
	mail := "From: a@example.org\nContent-Type: multipart/mixed; boundary=m\n\n" +
		"--m\nContent-Type: text/plain; charset=us-ascii\n\nHere is the contract.\n" +
		"--m\nContent-Type: application/pdf; name=contract.pdf\nContent-Disposition: inline; filename=contract.pdf\n\n%PDF\n" +
		"--m\nContent-Type: text/plain; charset=us-ascii\n\nAnd the list, below.\n" +
		"--m\nContent-Type: text/plain; name=\"list.txt\"\nContent-Disposition: attachment; filename=\"list.txt\"\n\nitem 1\nitem 2\n" +
		"--m\nContent-Type: multipart/related; boundary=r\n\n" +
		"--r\nContent-Type: text/html\n\n<p>ignored: plain came first</p>\n" +
		"--r\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Disposition: inline\n\nPNG\n--r--\n" +
		"--m--\n"
	in := read(t, []byte(mail), ReadOptions{})
	check(t, "Text", in.Text, "Here is the contract.\n\nAnd the list, below.")
	var got []string
	for _, a := range in.Attachments {
		got = append(got, fmt.Sprintf("%s %s %s %v %s", a.Part, a.Name, a.MediaType, a.Inline, a.ContentID))
	}
	checkList(t, "Attachments", got, "2 contract.pdf application/pdf true ", "4 list.txt text/plain false ", "5.2  image/png true logo@x")
}

// File names are made safe to show and store.
func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":               "report.pdf",
		"../../etc/passwd":         "passwd",
		`C:\Users\anna\scan 1.tif`: "scan 1.tif",
		"invoice\u202Efdp.exe":     "invoicefdp.exe",
		"tab\tand\x00nul.txt":      "tabandnul.txt",
		"..":                       "",
		"/":                        "",
		strings.Repeat("å", 200):   strings.Repeat("å", 127),
		"  spaced name.docx  ":     "spaced name.docx",
		"zero\u200bwidth.png":      "zerowidth.png",
	} {
		check(t, "safeName("+in+")", safeName(in), want)
	}
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q\n want %q", what, got, want)
	}
}

func checkList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q\n want %q", what, got, want)
	}
}
