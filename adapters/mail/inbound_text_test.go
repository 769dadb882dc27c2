package mail

import (
	"strings"
	"testing"
)

// How clients write a reply above the history (top posting), in the
// helpdesk's eight languages and a few more: the history goes.
func TestTrimReplyAttributions(t *testing.T) {
	for _, c := range []struct{ client, attribution string }{
		{"Gmail en", "On Mon, Mar 3, 2025 at 10:02 AM Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> wrote:"},
		{"Apple Mail en", "On 3 Mar 2025, at 10:02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> wrote:"},
		{"Thunderbird en", "On 03/03/2025 10:02, Wikimedia Sverige Helpdesk wrote:"},
		{"Gmail sv", "Den mån 3 mars 2025 kl 10:02 skrev Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>:"},
		{"Apple Mail sv", "3 mars 2025 kl. 10:02 skrev Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>:"},
		{"Thunderbird sv", "Den 2025-03-03 kl. 10:02, skrev Wikimedia Sverige Helpdesk:"},
		{"Gmail fi", "ma 3. maalisk. 2025 klo 10.02 Wikimedia Sverige Helpdesk (helpdesk@wikimedia.se) kirjoitti:"},
		{"Thunderbird fi", "Wikimedia Sverige Helpdesk kirjoitti 3.3.2025 klo 10.02:"},
		{"Apple Mail fi", "3.3.2025 kello 10.02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> kirjoitti:"},
		{"Gmail fr", "Le lun. 3 mars 2025 à 10:02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> a écrit :"},
		{"Thunderbird fr", "Le 03/03/2025 à 10:02, Wikimedia Sverige Helpdesk a écrit :"},
		{"Gmail es", "El lun, 3 mar 2025 a las 10:02, Wikimedia Sverige Helpdesk (<helpdesk@wikimedia.se>) escribió:"},
		{"Apple Mail es", "El 3 mar 2025, a las 10:02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> escribió:"},
		{"Gmail pt-BR", "Em seg., 3 de mar. de 2025 às 10:02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> escreveu:"},
		{"Apple Mail pt-BR", "Em 3 de mar. de 2025, à(s) 10:02, Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> escreveu:"},
		{"Gmail ar", "\u200fفي الاثنين، 3 مارس 2025 في 10:02 ص كتب \u200fWikimedia Sverige Helpdesk\u200f <\u200fhelpdesk@wikimedia.se\u200f>:\u200f"},
		{"Apple Mail ar", "في ٣ مارس ٢٠٢٥، الساعة ١٠:٠٢ ص، كتب Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>:"},
		{"Gmail bn", "সোম, ৩ মার্চ, ২০২৫ এ ১০:০২ AM তারিখে Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> লিখেছেন:"},
		{"Gmail de", "Am Mo., 3. März 2025 um 10:02 Uhr schrieb Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>:"},
		{"Gmail nl", "Op ma 3 mrt 2025 om 10:02 schreef Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>:"},
		{"Gmail it", "Il giorno lun 3 mar 2025 alle ore 10:02 Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se> ha scritto:"},
		{"Gmail, wrapped", "On Mon, Mar 3, 2025 at 10:02 AM Wikimedia Sverige Helpdesk <\nhelpdesk@wikimedia.se> wrote:"},
		{"wrapped over three lines", "Le lun. 3 mars 2025 à 10:02,\nWikimedia Sverige Helpdesk\n<helpdesk@wikimedia.se> a écrit :"},
	} {
		text := "My answer is yes.\n\nBest regards\nAnna\n\n" + c.attribution + "\n\n> Hello Anna,\n>\n> is it yes?\n> -- \n> Helpdesk\n"
		check(t, c.client, trimReply(text, false), "My answer is yes.\n\nBest regards\nAnna")
		// Without an empty line between, the name above stays too.
		text = "My answer is yes.\n\nBest regards\nAnna\n" + c.attribution + "\n> Hello Anna,\n"
		check(t, c.client+" (no empty line)", trimReply(text, false), "My answer is yes.\n\nBest regards\nAnna")
	}
}

// Outlook's history, in its languages: the block and what follows go.
func TestTrimReplyOutlook(t *testing.T) {
	for _, c := range []struct{ client, block string }{
		{"Outlook en", "From: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nSent: Monday, March 3, 2025 10:02 AM\nTo: Anna Berg <anna@example.org>\nSubject: [#42] Photos"},
		{"Outlook on the web en", "________________________________\nFrom: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nSent: Monday, March 3, 2025 10:02\nTo: Anna Berg\nSubject: [#42] Photos"},
		{"Outlook for Mac en", "From: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nDate: Monday, 3 March 2025 at 10:02\nTo: Anna Berg <anna@example.org>\nSubject: [#42] Photos"},
		{"Outlook sv", "Från: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nSkickat: den 3 mars 2025 10:02\nTill: Anna Berg <anna@example.org>\nÄmne: [#42] Foton"},
		{"Outlook fi", "Lähettäjä: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nLähetetty: maanantai 3. maaliskuuta 2025 10.02\nVastaanottaja: Anna Berg <anna@example.org>\nAihe: [#42] Kuvat"},
		{"Outlook fr", "De : Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nEnvoyé : lundi 3 mars 2025 10:02\nÀ : Anna Berg <anna@example.org>\nObjet : [#42] Photos"},
		{"Outlook es", "De: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nEnviado: lunes, 3 de marzo de 2025 10:02\nPara: Anna Berg <anna@example.org>\nAsunto: [#42] Fotos"},
		{"Outlook pt-BR", "De: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nEnviado: segunda-feira, 3 de março de 2025 10:02\nPara: Anna Berg <anna@example.org>\nAssunto: [#42] Fotos"},
		{"Outlook ar", "\u200fمن: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\n\u200fتم الإرسال: الاثنين، ٣ مارس ٢٠٢٥ ١٠:٠٢ ص\n\u200fإلى: Anna Berg\n\u200fالموضوع: [#42] صور"},
		{"Outlook bn", "প্রেরক: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nপাঠানো হয়েছে: সোমবার, ৩ মার্চ, ২০২৫ ১০:০২\nপ্রতি: Anna Berg\nবিষয়: [#42] ছবি"},
		{"Outlook de", "Von: Wikimedia Sverige Helpdesk <helpdesk@wikimedia.se>\nGesendet: Montag, 3. März 2025 10:02\nAn: Anna Berg <anna@example.org>\nBetreff: [#42] Fotos"},
		{"Original Message en", "-----Original Message-----\nFrom: Wikimedia Sverige Helpdesk [mailto:helpdesk@wikimedia.se]\nSent: Monday, March 03, 2025 10:02 AM"},
		{"Original Message sv", "-----Ursprungligt meddelande-----\nFrån: Wikimedia Sverige Helpdesk"},
		{"Original Message fi", "-----Alkuperäinen viesti-----"},
		{"Original Message fr", "-----Message d'origine-----"},
		{"Original Message es", "-----Mensaje original-----"},
		{"Original Message pt", "-----Mensagem original-----"},
		{"Original Message ar", "-----الرسالة الأصلية-----"},
	} {
		text := "My answer is yes.\n\nBest regards\nAnna\n\n" + c.block + "\n\nHello Anna,\n\nis it yes?\n\nHelpdesk\n"
		check(t, c.client, trimReply(text, false), "My answer is yes.\n\nBest regards\nAnna")
	}
}

// Conservative: what is not certainly history stays.
func TestTrimReplyKeeps(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"bottom posting: the quote above goes, the answer stays",
			"On Mon, Mar 3, 2025 at 10:02 AM Helpdesk <helpdesk@wikimedia.se> wrote:\n> How many photos?\n\nAbout 300.\n",
			"About 300."},
		{"interleaved answers keep the questions they answer",
			"On Mon, Mar 3, 2025 at 10:02 AM Helpdesk <helpdesk@wikimedia.se> wrote:\n> 1. How many photos?\n\nAbout 300.\n\n> 2. Which licence?\n\nCC BY-SA 4.0.\n\n> Thanks, Helpdesk\n",
			"> 1. How many photos?\n\nAbout 300.\n\n> 2. Which licence?\n\nCC BY-SA 4.0."},
		{"an attribution-like line with no quote after it is the person's",
			"On Monday I wrote:\nthe list is ready.\n",
			"On Monday I wrote:\nthe list is ready."},
		{"From: and Date: in a request are not Outlook's history without a subject line",
			"Details of the collection:\nFrom: Sundsvall harbour\nDate: 1890–1930\nCount: 312\n",
			"Details of the collection:\nFrom: Sundsvall harbour\nDate: 1890–1930\nCount: 312"},
		{"a text that is all quote is kept whole",
			"> What is the status?\n> Anna\n",
			"> What is the status?\n> Anna"},
		{"history at the very top: nothing of the person's would be left, so it stays",
			"From: Anna <anna@example.org>\nSent: Monday\nSubject: photos\n\nThe request itself.\n",
			"From: Anna <anna@example.org>\nSent: Monday\nSubject: photos\n\nThe request itself."},
		{"a bare -- with a long text after it is not a signature",
			"Option A\n--\n" + strings.Repeat("more of the request\n", 20),
			"Option A\n--\n" + strings.TrimSuffix(strings.Repeat("more of the request\n", 20), "\n")},
		{"a -- in the middle of a line is text",
			"Yes -- we agree.\n",
			"Yes -- we agree."},
	} {
		check(t, c.name, trimReply(c.text, false), c.want)
	}
}

// Signatures: "-- " and what follows, a short bare "--", a phone's line.
func TestTrimReplySignature(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"-- ", "Yes, please.\n\n-- \nAnna Berg\nArchivist\n+46 60 12 34 56\n", "Yes, please."},
		{"short bare --", "Yes, please.\n--\nAnna Berg\n", "Yes, please."},
		{"iPhone en", "Yes, please.\n\nSent from my iPhone\n", "Yes, please."},
		{"iPhone sv", "Ja tack.\n\nSkickat från min iPhone\n", "Ja tack."},
		{"iPhone fi", "Kyllä kiitos.\n\nLähetetty iPhonesta\n", "Kyllä kiitos."},
		{"iPhone fr", "Oui merci.\n\nEnvoyé de mon iPhone\n", "Oui merci."},
		{"Outlook mobile", "Yes.\n\nGet Outlook for Android\n", "Yes."},
		{"a signature above the history", "Yes.\n-- \nAnna\n\nOn Mon, 3 Mar 2025 at 10:02, Helpdesk <h@wikimedia.se> wrote:\n> Yes?\n", "Yes."},
		{"only a signature: kept whole", "-- \nAnna Berg\n", "--\nAnna Berg"},
	} {
		check(t, c.name, trimReply(c.text, false), c.want)
	}
}

// A forward is the forwarded mail: it stays whole, only the forwarder's
// own lines above it are trimmed.
func TestTrimReplyForward(t *testing.T) {
	gmail := "Could you help my colleague?\n-- \nAnna\n\n---------- Forwarded message ---------\nFrom: Per <per@example.org>\nDate: Mon, 3 Mar 2025 at 09:00\nSubject: Photos\nTo: Anna <anna@example.org>\n\nWe have 300 photos.\n> an old quote\n"
	check(t, "Gmail forward", trimReply(gmail, false), "Could you help my colleague?\n\n---------- Forwarded message ---------\nFrom: Per <per@example.org>\nDate: Mon, 3 Mar 2025 at 09:00\nSubject: Photos\nTo: Anna <anna@example.org>\n\nWe have 300 photos.\n> an old quote")
	apple := "Begin forwarded message:\n\nFrom: Per <per@example.org>\nSubject: Photos\nDate: 3 March 2025 at 09:00:00 CET\n\nWe have 300 photos.\n"
	check(t, "Apple Mail forward", trimReply(apple, false), strings.TrimSpace(apple))
	outlook := "FYI\n\nFrom: Per <per@example.org>\nSent: Monday, March 3, 2025 9:00 AM\nTo: Anna\nSubject: Photos\n\nWe have 300 photos.\n"
	check(t, "Outlook forward (FW: subject)", trimReply(outlook, isForward("FW: Photos")), strings.TrimSpace(outlook))
	check(t, "Outlook forward taken for a reply without FW:", trimReply(outlook, false), "FYI")
	for _, s := range []string{"Fwd: Photos", "FW: Photos", "VB: Foton", "VL: Kuvat", "TR: Photos", "RV: Fotos", "ENC: Fotos", "WG: Fotos", "Re: Fwd: Photos", "إعادة توجيه: صور"} {
		if !isForward(s) {
			t.Errorf("isForward(%q) = false", s)
		}
	}
	for _, s := range []string{"Re: Photos", "SV: Foton", "Fwd photos", "Forward planning", "[#42] Photos"} {
		if isForward(s) {
			t.Errorf("isForward(%q) = true", s)
		}
	}
}

// format=flowed: soft line breaks joined, space-stuffing undone, quotes
// and the signature line kept apart.
func TestUnflow(t *testing.T) {
	in := "This is a long line that \nwent on here.\n From here, stuffed.\n>> quoted \n>> and on.\n> less\n-- \nsig\n"
	check(t, "unflow", unflow(in, false), "This is a long line that went on here.\nFrom here, stuffed.\n>> quoted and on.\n> less\n-- \nsig\n")
	check(t, "delsp", unflow("split wo \nrd\n", true), "split word\n")
}

func TestHTMLText(t *testing.T) {
	for _, c := range []struct{ name, html, want string }{
		{"paragraphs and breaks", "<p>Hello,</p><p>first line<br>second line</p>", "Hello,\n\nfirst line\nsecond line"},
		{"white space collapsed, entities decoded", "<div>  Caf&eacute;   &amp;\n  bar&nbsp;&#8211; &lt;b&gt; </div>", "Café & bar – <b>"},
		{"lists", "<ul><li>one</li><li>two</li></ul><ol><li>three</li></ol>", "- one\n- two\n\n- three"},
		{"tables", "<table><tr><td>Name</td><td>Count</td></tr><tr><td>Photos</td><td>300</td></tr></table>", "Name Count\nPhotos 300"},
		{"scripts, styles, titles and comments dropped", "<html><head><title>T</title><style>p{color:red}</style></head><body><script>alert(1)</script><!-- note --><p>Text</p></body></html>", "Text"},
		{"blockquotes quoted", "<div>Yes.</div><blockquote>Is it?<blockquote>Deeper</blockquote></blockquote>", "Yes.\n> Is it?\n> > Deeper"},
		{"pre kept", "<pre>a  b\n  c</pre>", "a  b\n  c"},
		{"a link's address after its text", `<a href="https://example.org/x">our collection</a> and <a href="https://example.org/y">https://example.org/y</a> and <a href="mailto:a@b">mail</a>`, "our collection <https://example.org/x> and https://example.org/y and mail"},
		{"unclosed tags", "<div><p>one<p>two<div>three", "one\n\ntwo\nthree"},
		{"no HTML at all", "just text", "just text"},
	} {
		check(t, c.name, tidyText(htmlText(c.html)), c.want)
	}
}
