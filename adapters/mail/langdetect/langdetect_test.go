package langdetect

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// The helpdesk's languages, as locales.Catalog names them.
var helpdesk = []string{"en", "sv", "fi", "fr", "es", "pt-BR", "ar", "bn"}

type sample struct{ lang, text string }

// New requests as people write them to a helpdesk: a greeting and a
// sentence or two, with the subject when there is one (the end-to-end
// test's Swedish and Arabic mails are the last two).
var requests = []sample{
	{"en", "Hello, we are a small local history museum and would like to upload about 300 photographs of the harbour to Wikimedia Commons. Who can help us with the licences?"},
	{"sv", "Hej! Vi är ett litet hembygdsmuseum och vill ladda upp ungefär 300 fotografier av hamnen till Wikimedia Commons. Vem kan hjälpa oss med licenserna?"},
	{"fi", "Hei! Olemme pieni kotiseutumuseo ja haluaisimme ladata noin 300 valokuvaa satamasta Wikimedia Commonsiin. Kuka voi auttaa meitä lisenssien kanssa?"},
	{"fr", "Bonjour, nous sommes un petit musée d'histoire locale et nous aimerions téléverser environ 300 photographies du port sur Wikimedia Commons. Qui peut nous aider avec les licences ?"},
	{"es", "Hola, somos un pequeño museo de historia local y nos gustaría subir unas 300 fotografías del puerto a Wikimedia Commons. ¿Quién puede ayudarnos con las licencias?"},
	{"pt", "Olá, somos um pequeno museu de história local e gostaríamos de enviar cerca de 300 fotografias do porto para o Wikimedia Commons. Quem pode nos ajudar com as licenças?"},
	{"ar", "مرحبا، نحن متحف صغير للتاريخ المحلي ونود رفع حوالي ٣٠٠ صورة للميناء إلى ويكيميديا كومنز. من يمكنه مساعدتنا في التراخيص؟"},
	{"bn", "নমস্কার, আমরা একটি ছোট স্থানীয় ইতিহাস জাদুঘর এবং উইকিমিডিয়া কমন্সে বন্দরের প্রায় ৩০০টি ছবি আপলোড করতে চাই। লাইসেন্সের ব্যাপারে কে আমাদের সাহায্য করতে পারেন?"},
	{"sv", "Digitalisering av glasplåtar Hej! Vi har glasplåtar från staden som vi vill digitalisera och ladda upp till Wikimedia Commons. Kan ni hjälpa oss med licenser och metadata?"},
	{"ar", "رقمنة أرشيف الصحف مرحبًا، لدينا أرشيف من الصحف القديمة نرغب في رقمنته ورفعه إلى ويكيميديا كومنز. هل يمكنكم مساعدتنا في اختيار الترخيص المناسب؟"},
}

// Replies and short mails: a sentence or two, or a few words.
var replies = []sample{
	{"en", "Could you tell me when the committee meets next?"},
	{"en", "Thanks, that works for us."},
	{"en", "Hi, just checking whether you got my last email."},
	{"en", "Sorry for the late reply, I was away last week."},
	{"en", "Yes, please go ahead and upload them."},
	{"en", "We would like to hold a workshop at the library in spring."},
	{"en", "Attached is the list of photographs with their dates."},
	{"en", "I am not sure which licence to choose, can you advise?"},
	{"en", "Great news, thank you all for your help!"},
	{"en", "The files are too large to attach, can I send a link instead?"},
	{"en", "Who should I contact about a grant for travel costs?"},
	{"en", "No, we have not signed anything yet."},
	{"en", "Sounds good, talk to you next week."},
	{"en", "Thanks for the quick reply. We will get back to you once the board has decided."},

	{"sv", "Kan ni säga när kommittén träffas nästa gång?"},
	{"sv", "Tack så mycket!"},
	{"sv", "Hej, jag undrar om ni har fått mitt förra mejl."},
	{"sv", "Ursäkta sent svar, jag var bortrest förra veckan."},
	{"sv", "Ja, det går bra att ladda upp dem."},
	{"sv", "Vi skulle vilja hålla en workshop på biblioteket i vår."},
	{"sv", "Här kommer listan över fotografierna med datum."},
	{"sv", "Jag är osäker på vilken licens vi ska välja, kan ni ge råd?"},
	{"sv", "Vad roligt, tack för all hjälp!"},
	{"sv", "Filerna är för stora för att bifoga, kan jag skicka en länk i stället?"},
	{"sv", "Vem ska jag kontakta om bidrag till resekostnader?"},
	{"sv", "Nej, vi har inte skrivit under något än."},
	{"sv", "Det låter bra, vi hörs nästa vecka."},
	{"sv", "Jag har pratat med min chef och vi kör på det."},
	{"sv", "Hej igen! Vi har nu skannat alla glasplåtar och undrar hur vi bäst laddar upp dem. Finns det någon mall för beskrivningarna?"},
	{"sv", "Tack för snabbt svar. Vi återkommer när styrelsen har fattat beslut."},
	{"sv", "Jag kan tyvärr inte komma på mötet på torsdag."},
	{"sv", "Hej hej, vi vill ladda upp bilder."},
	{"sv", "CC0 för alla."},
	{"sv", "Skanningarna är i 600 dpi."},

	{"fi", "Emme ole vielä kuulleet mitään, onko uutisia?"},
	{"fi", "Kiitos paljon!"},
	{"fi", "Hei, menikö edellinen viestini perille?"},
	{"fi", "Anteeksi myöhäinen vastaus, olin lomalla viime viikolla."},
	{"fi", "Kyllä, voitte ladata ne."},
	{"fi", "Haluaisimme järjestää työpajan kirjastossa keväällä."},
	{"fi", "Liitteenä on luettelo valokuvista päivämäärineen."},
	{"fi", "En ole varma, mikä lisenssi kannattaa valita. Voitteko neuvoa?"},
	{"fi", "Hienoa, kiitos kaikille avusta!"},
	{"fi", "Tiedostot ovat liian suuria liitteeksi, voinko lähettää linkin?"},
	{"fi", "Keneen otan yhteyttä matkakulujen apurahasta?"},
	{"fi", "Ei, emme ole vielä allekirjoittaneet mitään."},
	{"fi", "Kiitos nopeasta vastauksesta. Palaamme asiaan, kun hallitus on tehnyt päätöksen."},

	{"fr", "Pourriez-vous me dire quand le comité se réunit la prochaine fois ?"},
	{"fr", "Merci beaucoup, c'est parfait."},
	{"fr", "Bonjour, avez-vous bien reçu mon dernier message ?"},
	{"fr", "Désolé pour le retard, j'étais absent la semaine dernière."},
	{"fr", "Oui, vous pouvez les mettre en ligne."},
	{"fr", "Nous aimerions organiser un atelier à la bibliothèque au printemps."},
	{"fr", "Vous trouverez ci-joint la liste des photos avec leurs dates."},
	{"fr", "Je ne sais pas quelle licence choisir, pouvez-vous me conseiller ?"},
	{"fr", "Excellente nouvelle, merci à tous pour votre aide !"},
	{"fr", "Les fichiers sont trop lourds, puis-je envoyer un lien ?"},
	{"fr", "À qui dois-je m'adresser pour une bourse de voyage ?"},
	{"fr", "Non, nous n'avons encore rien signé."},
	{"fr", "Merci pour votre réponse rapide. Nous reviendrons vers vous dès que le conseil aura décidé."},

	{"es", "Todavía no hemos recibido respuesta, ¿hay novedades?"},
	{"es", "Muchas gracias, nos viene perfecto."},
	{"es", "Hola, ¿recibieron mi último correo?"},
	{"es", "Perdón por la demora, estuve fuera la semana pasada."},
	{"es", "Sí, pueden subirlas sin problema."},
	{"es", "Nos gustaría organizar un taller en la biblioteca en primavera."},
	{"es", "Adjunto la lista de fotografías con sus fechas."},
	{"es", "No sé qué licencia elegir, ¿me pueden aconsejar?"},
	{"es", "¡Qué buena noticia, gracias a todos por la ayuda!"},
	{"es", "Los archivos pesan demasiado, ¿puedo enviar un enlace?"},
	{"es", "¿Con quién hablo para una beca de viaje?"},
	{"es", "No, todavía no hemos firmado nada."},
	{"es", "Buenos días. Les escribo desde el archivo municipal porque queremos compartir unas fotos antiguas. ¿Cómo empezamos?"},
	{"es", "Gracias por la respuesta rápida. Lo hablaremos con la dirección y les diremos algo."},
	{"es", "Lamentablemente no puedo asistir a la reunión del jueves."},

	{"pt", "Ainda não tivemos resposta, há alguma novidade?"},
	{"pt", "Muito obrigado, ficou ótimo."},
	{"pt", "Oi, vocês receberam meu último e-mail?"},
	{"pt", "Desculpe a demora, eu estava viajando semana passada."},
	{"pt", "Sim, podem subir as fotos sem problema."},
	{"pt", "Gostaríamos de fazer uma oficina na biblioteca no segundo semestre."},
	{"pt", "Segue em anexo a lista das fotografias com as datas."},
	{"pt", "Não sei qual licença escolher, vocês podem me orientar?"},
	{"pt", "Que notícia boa, obrigada a todos pela ajuda!"},
	{"pt", "Os arquivos são grandes demais, posso mandar um link?"},
	{"pt", "Com quem eu falo sobre uma bolsa para despesas de viagem?"},
	{"pt", "Não, ainda não assinamos nada."},
	{"pt", "Bom dia. Escrevo do arquivo municipal porque queremos compartilhar algumas fotos antigas. Como começamos?"},
	{"pt", "Obrigada pela resposta rápida. Vamos conversar com a diretoria e depois avisamos vocês."},
	{"pt", "Infelizmente não vou conseguir ir na reunião de quinta-feira."},
	{"pt", "Olá, queremos enviar fotos."},

	{"ar", "هل يمكنك أن تخبرني متى تجتمع اللجنة في المرة القادمة؟"},
	{"ar", "شكرا جزيلا!"},
	{"ar", "مرحبا، هل وصلتكم رسالتي السابقة؟"},
	{"ar", "آسف على التأخر في الرد، كنت مسافرا الأسبوع الماضي."},
	{"ar", "نعم، يمكنكم رفعها."},
	{"ar", "نود تنظيم ورشة عمل في المكتبة في الربيع."},
	{"ar", "مرفق قائمة الصور مع تواريخها."},
	{"ar", "لست متأكدا أي ترخيص أختار، هل يمكنكم نصحي؟"},
	{"ar", "خبر رائع، شكرا لكم جميعا على المساعدة!"},
	{"ar", "الملفات كبيرة جدا، هل يمكنني إرسال رابط بدلا منها؟"},
	{"ar", "شكرا على الرد السريع. سنعود إليكم بعد أن يتخذ مجلس الإدارة قراره."},

	{"bn", "কমিটি পরের বার কখন মিলিত হবে বলতে পারবেন?"},
	{"bn", "অনেক ধন্যবাদ!"},
	{"bn", "নমস্কার, আমার আগের ইমেইলটি কি পেয়েছেন?"},
	{"bn", "দেরিতে উত্তর দেওয়ার জন্য দুঃখিত, গত সপ্তাহে বাইরে ছিলাম।"},
	{"bn", "হ্যাঁ, আপনারা ছবিগুলো আপলোড করতে পারেন।"},
	{"bn", "আমরা বসন্তে গ্রন্থাগারে একটি কর্মশালা করতে চাই।"},
	{"bn", "তারিখসহ ছবিগুলোর তালিকা সংযুক্ত করলাম।"},
	{"bn", "কোন লাইসেন্স বেছে নেব বুঝতে পারছি না, পরামর্শ দেবেন?"},
	{"bn", "দারুণ খবর, সবাইকে সাহায্যের জন্য ধন্যবাদ!"},
	{"bn", "দ্রুত উত্তরের জন্য ধন্যবাদ। পরিচালনা পর্ষদ সিদ্ধান্ত নিলে আমরা আবার যোগাযোগ করব।"},
}

// Languages close to the helpdesk's that it does not speak, and texts
// with too little to tell: no answer rather than a wrong one.
var unsure = []string{
	// Norwegian
	"Takk for raskt svar. Vi kommer tilbake når styret har tatt en beslutning.",
	"Hei, jeg lurer på om dere har fått den forrige e-posten min.",
	"Beklager sent svar, jeg var bortreist forrige uke.",
	"Ja, det går fint å laste dem opp.",
	"Vi vil gjerne holde et verksted på biblioteket i vår.",
	"Tusen takk for hjelpen!",
	"Jeg er usikker på hvilken lisens vi skal velge, kan dere gi råd?",
	// Danish
	"Tak for det hurtige svar. Vi vender tilbage, når bestyrelsen har truffet en beslutning.",
	"Hej, jeg vil gerne høre, om I har modtaget min sidste e-mail.",
	"Undskyld det sene svar, jeg var bortrejst i sidste uge.",
	"Ja, I er velkomne til at lægge dem op.",
	"Vi vil gerne holde en workshop på biblioteket til foråret.",
	"Mange tak for hjælpen!",
	"Jeg er usikker på, hvilken licens vi skal vælge, kan I give et råd?",
	// Galician
	"Ola, recibiron o meu último correo?",
	// Italian
	"Grazie mille, va benissimo.",
	// German
	"Guten Tag, wir möchten gerne Fotos aus unserem Archiv hochladen.",
	// Estonian
	"Tere, kas te saite minu eelmise kirja kätte?",
	// Persian
	"سلام، آیا ایمیل قبلی من به دستتان رسید؟",
	// Urdu
	"شکریہ، کیا آپ کو میری پچھلی ای میل ملی؟",
	// Too little to tell
	"OK",
	"Tack!",
	"Sim, claro",
	"Hej, se bilagan",
	"Se bifogad fil",
	"https://commons.wikimedia.org/wiki/File:Harbour_1923.jpg",
	"12345 67890 2025-03-03",
}

// A request is told; a reply is told right or not at all, and at least
// half of each language's replies are told. -v shows how many.
func TestDetect(t *testing.T) {
	d := New(helpdesk, Options{})
	for _, s := range requests {
		if got, ok := d.Detect(s.text); !ok || got != s.lang {
			t.Errorf("Detect(%.40q) = %q, %v; want %q", s.text, got, ok, s.lang)
		}
	}
	told := map[string]int{}
	all := map[string]int{}
	for _, s := range slices.Concat(requests, replies) {
		all[s.lang]++
		got, ok := d.Detect(s.text)
		switch {
		case ok && got == s.lang:
			told[s.lang]++
		case ok:
			t.Errorf("Detect(%q) = %q; want %q or no answer", s.text, got, s.lang)
		}
	}
	var line []string
	for _, l := range []string{"en", "sv", "fi", "fr", "es", "pt", "ar", "bn"} {
		line = append(line, fmt.Sprintf("%s %d/%d", l, told[l], all[l]))
		if 2*told[l] < all[l] {
			t.Errorf("%s: %d of %d told", l, told[l], all[l])
		}
	}
	t.Logf("told right: %s", strings.Join(line, ", "))
}

// Too little to tell, or a language the helpdesk does not speak: no
// answer rather than a wrong one.
func TestDetectUnsure(t *testing.T) {
	d := New(helpdesk, Options{})
	for _, text := range unsure {
		if got, ok := d.Detect(text); ok {
			t.Errorf("Detect(%q) = %q: want no answer", text, got)
		}
	}
}

// Only the detector's languages are answered: German is told as one of
// them or not at all, never as German; Bengali not at all by a detector
// without it (whatlanggo names the one language of that script).
func TestDetectRestricted(t *testing.T) {
	d := New([]string{"sv", "fi"}, Options{})
	if got, ok := d.Detect("Guten Tag, wir möchten gerne Fotos aus unserem Archiv hochladen."); ok && got != "sv" && got != "fi" {
		t.Errorf("German told as %q", got)
	}
	if got, ok := New([]string{"en", "sv"}, Options{}).Detect(requests[7].text); ok {
		t.Errorf("Bengali told as %q", got)
	}
	if got := New([]string{"pt-BR", "en-GB", "xx", "sv_SE"}, Options{}).Languages(); !slices.Equal(got, []string{"pt", "en", "sv"}) {
		t.Errorf("Languages() = %v", got)
	}
	if _, ok := New([]string{"sv"}, Options{}).Detect("Hej! Vi är ett litet hembygdsmuseum."); ok {
		t.Error("one language told: there was nothing to choose between")
	}
	// A language the detector speaks is no decoy.
	danish := "Jeg er usikker på, hvilken licens vi skal vælge, kan I give et råd?"
	if got, ok := New([]string{"sv", "da"}, Options{}).Detect(danish); !ok || got != "da" {
		t.Errorf("Danish told as %q, %v by a detector that speaks it", got, ok)
	}
}

// The floor and the minimum length are options.
func TestOptions(t *testing.T) {
	short := "Vad roligt, tack för all hjälp!" // 24 letters, told at 1.0
	if got, ok := New(helpdesk, Options{}).Detect(short); !ok || got != "sv" {
		t.Errorf("default: %q, %v", got, ok)
	}
	if _, ok := New(helpdesk, Options{MinLetters: 25}).Detect(short); ok {
		t.Error("told with fewer letters than MinLetters")
	}
	unsure := "Muchas gracias, nos viene perfecto." // Spanish at 0.61
	if _, ok := New(helpdesk, Options{Floor: 0.9}).Detect(unsure); ok {
		t.Error("told below the floor")
	}
}

func TestDetectConcurrent(t *testing.T) {
	d := New(helpdesk, Options{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := replies[i*len(replies)/8]
			if got, _ := d.Detect(s.text); got != "" && got != s.lang {
				t.Errorf("Detect(%.40q) = %q", s.text, got)
			}
		})
	}
	wg.Wait()
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			n++
		}
	}
	return n
}

// TestFigures measures what detection costs: the process's heap after
// a collection (whatlanggo's profiles are made when the process starts,
// so they are in it whatever the detector), the time to tell a text and
// what a text allocates, and how many texts are told right, shorter and
// longer than 40 letters:
//
//	LANGDETECT_FIGURES=1 go test -run Figures -v ./adapters/mail/langdetect/
func TestFigures(t *testing.T) {
	if os.Getenv("LANGDETECT_FIGURES") == "" {
		t.Skip("measures only with LANGDETECT_FIGURES=1")
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("heap of the test process: %.1f MB", float64(m.HeapAlloc)/1e6)

	d := New(helpdesk, Options{})
	texts := slices.Concat(requests, replies)
	start := time.Now()
	for _, s := range texts {
		d.Detect(s.text)
	}
	t.Logf("%d texts told in %v", len(texts), time.Since(start).Round(time.Microsecond))
	i := 0
	allocs := testing.AllocsPerRun(100, func() { d.Detect(texts[i%len(texts)].text); i++ })
	t.Logf("%.0f allocations a text", allocs)

	var short, shortOK, long, longOK int
	for _, s := range texts {
		got, _ := d.Detect(s.text)
		if letters(s.text) < 40 {
			short++
			if got == s.lang {
				shortOK++
			}
		} else {
			long++
			if got == s.lang {
				longOK++
			}
		}
	}
	t.Logf("told right: %d of %d texts under 40 letters, %d of %d of 40 and more", shortOK, short, longOK, long)
}
