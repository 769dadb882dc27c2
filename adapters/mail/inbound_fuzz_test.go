package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRead: whatever the bytes, Read returns an Incoming or an error,
// never panics, and what it returns holds together.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(crlf(b))
	}
	for _, s := range hostileMails() {
		f.Add([]byte(s))
	}
	f.Add(nested(40, "deep"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		opt := helpdeskOptions()
		opt.Detect = func(s string) (string, bool) {
			if !utf8.ValidString(s) {
				t.Errorf("Detect given invalid UTF-8 %q", s)
			}
			return "sv", len(s) > 20
		}
		// A small cap, so that fuzzing reaches it.
		opt.MaxSize = int64(len(raw)/2 + 50)
		opt.MaxAttachment = 100
		opt.Attachment = func(a Attachment, body io.Reader) error {
			if !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\\x00") {
				t.Errorf("unsafe name %q", a.Name)
			}
			_, err := io.Copy(io.Discard, body)
			return err
		}
		in, err := Read(bytes.NewReader(raw), opt)
		if err != nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("an error that is not ErrUnreadable from a bytes.Reader: %v", err)
			}
			return
		}
		if in.ID == "" || in.Size != int64(len(raw)) || in.Oversized != (in.Size > opt.MaxSize) {
			t.Errorf("ID %q, Size %d of %d, Oversized %v", in.ID, in.Size, len(raw), in.Oversized)
		}
		for what, s := range map[string]string{"Text": in.Text, "FullText": in.FullText, "Subject": in.Subject, "Name": in.Name, "From": in.From} {
			if !utf8.ValidString(s) {
				t.Errorf("%s is not UTF-8: %q", what, s)
			}
		}
		if len(in.Refs) > readMaxRefs || len(in.Defects) > readMaxDefects || len(in.Text) > 2*readMaxText+len(raw) {
			t.Errorf("%d refs, %d defects, %d bytes of text", len(in.Refs), len(in.Defects), len(in.Text))
		}
	})
}

// hostileMails are mails made to hurt a reader.
func hostileMails() []string {
	return []string{
		"",
		"From: a@example.org\n\n",
		"From: a@example.org\nContent-Type: multipart/mixed; boundary=\"\"\n\n--\n\n",
		"From: a@example.org\nContent-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a--\n--a--\n",
		"From: a@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: message/delivery-status\n\nAction: failed\nFinal-Recipient: rfc822;\n\n--r\nContent-Type: message/rfc822\n\n\n--r--\n",
		"From: a@example.org\nContent-Type: text/html\n\n<blockquote><blockquote><blockquote><pre><a href=\"https://x\">https://x</a>",
		"From: =?utf-8?b?=?= <@>\nSubject: =?x-unknown?q?abc?=\nMessage-ID: <<>>\nReferences: <<<<\nIn-Reply-To: >>>>\n\n",
		"From: a@example.org\nContent-Type: text/plain; format=flowed; delsp=yes\n\n> \n>> \n \n-- \n",
		"From: a@example.org\nContent-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=iso-2022-jp\n\n=1B$B=\n",
		"From: a@example.org\nContent-Disposition: attachment; filename*=utf-8''%E2%80%AE%00..%2F..%2Fx\nContent-Type: application/octet-stream\n\nxx\n",
		"From: a@example.org\nAuthentication-Results: mx.wikimedia.se; dmarc=pass header.from=\nAuthentication-Results: ;;;;\nAuthentication-Results: mx.wikimedia.se 2; x\n\nhi\n",
	}
}

// Read's time grows linearly with the mail, whatever its shape: each
// shape is read at two sizes, four times apart, and the larger may take
// at most ten times as long (a quadratic reader would take sixteen).
func TestReadLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("reads large mails")
	}
	shapes := map[string]func(n int) []byte{
		"many parts": func(n int) []byte {
			var b bytes.Buffer
			b.WriteString("From: a@example.org\nContent-Type: multipart/mixed; boundary=p\n\n")
			for b.Len() < n {
				b.WriteString("--p\nContent-Type: text/plain\n\nx\n")
			}
			b.WriteString("--p--\n")
			return b.Bytes()
		},
		"many header fields": func(n int) []byte {
			var b bytes.Buffer
			b.WriteString("From: a@example.org\n")
			for b.Len() < n {
				b.WriteString("Received: from x by y; Mon, 3 Mar 2025 10:00:00 +0000\n")
			}
			b.WriteString("\nHi\n")
			return b.Bytes()
		},
		"one long line": func(n int) []byte {
			return []byte("From: a@example.org\n\n" + strings.Repeat("word ", n/5))
		},
		"one long header line": func(n int) []byte {
			return []byte("From: a@example.org\nReferences: " + strings.Repeat("<a@b> ", n/6) + "\n\nHi\n")
		},
		"many addresses": func(n int) []byte {
			return []byte("From: a@example.org\nTo: " + strings.Repeat("Name <x@example.org>, ", n/22) + "z@example.org\n\nHi\n")
		},
		"quoted lines": func(n int) []byte {
			return []byte("From: a@example.org\n\n" + strings.Repeat("answer\n> question\n", n/18))
		},
		"attribution-like lines": func(n int) []byte {
			return []byte("From: a@example.org\n\n" + strings.Repeat("On 3 Mar 2025 Anna <a@b> wrote:\n", n/32))
		},
		"nested HTML": func(n int) []byte {
			return []byte("From: a@example.org\nContent-Type: text/html\n\n" + strings.Repeat("<blockquote><div><a href=\"https://x.example/\">", n/48))
		},
		"base64 attachment": func(n int) []byte {
			return []byte("From: a@example.org\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n" + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\n", n/33))
		},
		"a delivery report": func(n int) []byte {
			return []byte("From: a@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: message/delivery-status\n\n" +
				strings.Repeat("Final-Recipient: rfc822; x@example.org\nAction: failed\n\n", n/56) + "--r--\n")
		},
	}
	const small = 1 << 20
	for name, shape := range shapes {
		t.Run(name, func(t *testing.T) {
			opt := ReadOptions{MaxSize: 64 << 20}
			measure := func(n int) time.Duration {
				raw := shape(n)
				best := time.Duration(1 << 62)
				for range 3 {
					start := time.Now()
					if _, err := Read(bytes.NewReader(raw), opt); err != nil {
						t.Fatal(err)
					}
					best = min(best, time.Since(start))
				}
				return best
			}
			t1, t4 := measure(small), measure(4*small)
			t.Logf("1 MB in %v, 4 MB in %v", t1, t4)
			if t4 > 10*t1+50*time.Millisecond {
				t.Errorf("4 MB took %v, 1 MB %v: not linear", t4, t1)
			}
		})
	}
}

// BenchmarkRead reads a typical mail: the Outlook reply (plain and HTML
// alternatives, a trusted sender, a language from Content-Language).
func BenchmarkRead(b *testing.B) {
	for _, name := range []string{"outlook-reply-sv.eml", "gmail-new-pt.eml", "bounce-postfix.eml"} {
		raw := mailFile(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(bytes.NewReader(raw), helpdeskOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// ExampleRead shows the options an adapter passes and what it reads.
func ExampleRead() {
	raw := "From: Anna Berg <Anna@Museum.Example>\r\n" +
		"To: info-sv@wikimedia.se\r\n" +
		"Subject: Foton från hamnen\r\n" +
		"Message-ID: <1234@museum.example>\r\n" +
		"\r\n" +
		"Hej! Vi vill ladda upp 300 foton.\r\n" +
		"-- \r\n" +
		"Anna Berg, arkivarie\r\n"
	in, err := Read(strings.NewReader(raw), ReadOptions{
		OwnDomain:   "wikimedia.se",
		AuthServID:  "mx.wikimedia.se",
		AddressLang: map[string]string{"info-sv@wikimedia.se": "sv"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in.ID, in.From, in.Name)
	fmt.Printf("%q\n", in.Text)
	fmt.Println(in.Lang, in.LangSource, in.Auth.Trust, in.Machine == "")
	// Output:
	// 1234@museum.example anna@museum.example Anna Berg
	// "Hej! Vi vill ladda upp 300 foton."
	// sv address missing true
}
