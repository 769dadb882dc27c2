package mail

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

// Reading a mail's header fields leniently: what clients and servers
// write is not always what the RFCs say, and a mail is never lost for
// it.

// crlfless writes to a hash all but carriage returns: the same mail with
// CRLF or LF line ends hashes the same.
type crlfless struct{ w io.Writer }

func (c crlfless) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\r')
		if i < 0 {
			_, _ = c.w.Write(p)
			break
		}
		_, _ = c.w.Write(p[:i])
		p = p[i+1:]
	}
	return n, nil
}

// hashHeader hashes the header fields but those each hop adds.
func hashHeader(w io.Writer, h textproto.Header) {
	for f := h.Fields(); f.Next(); {
		if traceField(f.Key()) {
			continue
		}
		raw, _ := f.Raw()
		_, _ = crlfless{w}.Write(raw)
	}
	_, _ = w.Write([]byte("\n"))
}

func traceField(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "received", "return-path", "delivered-to", "x-original-to", "authentication-results", "received-spf":
		return true
	}
	return strings.HasPrefix(k, "arc-") || strings.HasPrefix(k, "x-spam-")
}

// readHeaderBlock reads the header of a mail: lines up to a blank one,
// skipping an mbox "From " line before them and lines that are no field.
// A line that is no field ends the header when some fields came before it
// (it is returned in rest, the body's start). More than max bytes of
// header are read and dropped. The block it returns parses cleanly.
func readHeaderBlock(br *bufio.Reader, max int, defect func(string)) (block, rest []byte, err error) {
	var b bytes.Buffer
	cut := false
	first := true
	fields := 0
	for {
		line, err := readLine(br, max)
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return nil, nil, err
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			break // the blank line
		}
		if first {
			line = bytes.TrimPrefix(line, []byte("\ufeff")) // a byte order mark
			trimmed = bytes.TrimPrefix(trimmed, []byte("\ufeff"))
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			first = false
			continue // an mbox separator
		}
		first = false
		switch {
		case line[0] == ' ' || line[0] == '\t':
			if fields == 0 {
				continue // a continuation of nothing
			}
		case !isFieldLine(trimmed):
			if fields == 0 {
				return nil, nil, errors.New("the first line is no header field")
			}
			defect("header ended without a blank line")
			return b.Bytes(), line, nil
		default:
			fields++
		}
		if b.Len()+len(trimmed)+2 > max {
			if !cut {
				defect("header longer than " + strconv.Itoa(max) + " bytes: cut")
				cut = true
			}
			continue
		}
		b.Write(trimmed)
		b.WriteString("\r\n")
		if err == io.EOF {
			break
		}
	}
	if fields == 0 {
		return nil, nil, errors.New("no header fields")
	}
	return b.Bytes(), nil, nil
}

// readLine reads a line with its end, keeping at most max bytes of it.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= max {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// isFieldLine: "Name: value" with a name of printable ASCII.
func isFieldLine(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(l[:i], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// mediaType is an entity's media type, lower-cased, and its parameters;
// text/plain when it has none, and the type alone when its parameters
// cannot be read.
func mediaType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if mt == "" {
		t, _, _ := strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(t))
		if !strings.Contains(mt, "/") {
			mt = "application/octet-stream"
		}
	}
	if params == nil || err != nil {
		params = map[string]string{}
		if b := looseParam(v, "boundary"); b != "" {
			params["boundary"] = b
		}
	}
	return mt, params
}

// looseParam finds a parameter in a header that mime cannot parse.
func looseParam(v, name string) string {
	lv := strings.Map(func(r rune) rune { // ASCII only: the length stays
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.ToValidUTF8(v, "?"))
	v = strings.ToValidUTF8(v, "?")
	i := strings.Index(lv, name+"=")
	if i < 0 {
		return ""
	}
	s := v[i+len(name)+1:]
	if strings.HasPrefix(s, `"`) {
		if j := strings.IndexByte(s[1:], '"'); j >= 0 {
			return s[1 : j+1]
		}
		return ""
	}
	if j := strings.IndexAny(s, "; \t"); j >= 0 {
		s = s[:j]
	}
	return s
}

// fileName is an attachment's file name: Content-Disposition's filename,
// else Content-Type's name, made safe to show.
func fileName(dparams, ctparams map[string]string) string {
	name := dparams["filename"]
	if name == "" {
		name = ctparams["name"]
	}
	if name == "" {
		return ""
	}
	return safeName(decodeWords(name))
}

// safeName makes a file name safe to show and to store under: the last
// element of any path, without control, format (bidirectional overrides,
// zero-width) or path characters, at most 255 bytes.
func safeName(s string) string {
	s = strings.ReplaceAll(s, `\`, "/")
	s = path.Base("/" + s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || r == '/' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "." || s == ".." || s == "/" {
		return ""
	}
	for len(s) > 255 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// toUTF8 is s as UTF-8: as it is when it is valid, else read as
// Windows-1252 (a superset of Latin-1), what 8-bit mail without a charset
// nearly always is.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// decodeWords decodes RFC 2047 encoded words in s (in any charset the
// charset package knows), as UTF-8.
func decodeWords(s string) string {
	d := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		return message.CharsetReader(cs, r)
	}}
	if v, err := d.DecodeHeader(s); err == nil {
		s = v
	}
	return toUTF8([]byte(s))
}

// headerText is a header field's value, RFC 2047 decoded, as UTF-8, on
// one line.
func headerText(h message.Header, k string) string {
	v, err := h.Text(k)
	if err != nil {
		v = h.Get(k)
	}
	return oneLine(toUTF8([]byte(v)))
}

// oneLine is s with its control characters (line breaks an encoded word
// may carry, tabs) as spaces, its runs of white space as one, trimmed.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// An address found in a header.
type address struct{ addr, name string }

// addressList reads the addresses of a header field (all its fields),
// leniently: an address list that does not parse gives the addresses
// that can be seen in it.
func addressList(h message.Header, k string) []address {
	var out []address
	for _, v := range h.Values(k) {
		if len(out) >= readMaxAddresses {
			break
		}
		list, err := gomail.ParseAddressList(v)
		if err == nil {
			for _, a := range list {
				if addr := normalAddress(a.Address); addr != "" {
					out = append(out, address{addr, oneLine(toUTF8([]byte(a.Name)))})
				}
			}
			continue
		}
		out = append(out, looseAddresses(v)...)
	}
	if len(out) > readMaxAddresses {
		out = out[:readMaxAddresses]
	}
	return out
}

// looseAddresses finds the addresses in a header that does not parse as
// an address list ("Jörg Müller <j@x>" in raw 8-bit, "j@x (Jörg)", a
// missing quote): each comma-separated piece's <addr-spec>, else its word
// with an "@".
func looseAddresses(v string) []address {
	v = toUTF8([]byte(v))
	var out []address
	for piece := range strings.SplitSeq(v, ",") {
		if len(out) >= readMaxAddresses {
			break
		}
		var addr, name string
		if i := strings.LastIndexByte(piece, '<'); i >= 0 {
			if j := strings.IndexByte(piece[i:], '>'); j > 0 {
				addr = piece[i+1 : i+j]
				name = strings.Trim(strings.TrimSpace(piece[:i]), `"' `)
			}
		}
		if addr == "" {
			for w := range strings.FieldsSeq(piece) {
				if strings.Contains(w, "@") {
					addr = strings.Trim(w, `<>"'(),;`)
					break
				}
			}
		}
		if a := normalAddress(addr); a != "" && strings.Contains(a, "@") {
			out = append(out, address{a, oneLine(decodeWords(name))})
		}
	}
	return out
}

func addresses(l []address) []string {
	var out []string
	for _, a := range l {
		out = appendNew(out, a.addr)
	}
	return out
}

func appendNew(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

func reversed(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[len(l)-1-i] = s
	}
	return out
}

// messageID is the id in a Message-ID field, without brackets; "" when
// there is none that can be an id.
func messageID(v string) string {
	ids := msgIDs(readMaxRefs, []string{v})
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// msgIDs finds the message ids in fields (In-Reply-To, References),
// leniently: every "<…>" without spaces in them, or, in a field with
// none, every word with an "@" in it. Each id once, in the order found,
// the later lists' ids from the end (References lists the oldest first).
// Of more than max, the first max-1 and the last (a thread's first mail).
func msgIDs(max int, lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 998 || seen[id] || strings.ContainsAny(id, " \t\r\n<>") {
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	for li, fields := range lists {
		for _, v := range fields {
			var ids []string
			for rest := v; ; {
				i := strings.IndexByte(rest, '<')
				if i < 0 {
					break
				}
				j := strings.IndexByte(rest[i:], '>')
				if j < 0 {
					break
				}
				ids = append(ids, rest[i+1:i+j])
				rest = rest[i+j+1:]
			}
			if len(ids) == 0 {
				for w := range strings.FieldsSeq(v) {
					if strings.Contains(w, "@") {
						ids = append(ids, strings.Trim(w, `,;"'()`))
					}
				}
			}
			if li > 0 {
				ids = reversed(ids)
			}
			for _, id := range ids {
				add(id)
			}
		}
	}
	if len(out) > max {
		out = append(out[:max-1], out[len(out)-1])
	}
	return out
}
