package langdetect

import (
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
	"unicode"
)

// The helpdesk's languages, as locales.Catalog names them.
var helpdesk = []string{"en", "sv", "fi", "fr", "es", "pt-BR", "ar", "bn"}

// What people write to a helpdesk: new requests and short replies.
var samples = []struct{ lang, text string }{
	{"en", "Hello, we are a small local history museum and would like to upload about 300 photographs of the harbour to Wikimedia Commons. Who can help us with the licences?"},
	{"en", "Could you tell me when the committee meets next?"},
	{"en", "Thanks, that works for us."},
	{"sv", "Hej! Vi är ett litet hembygdsmuseum och vill ladda upp ungefär 300 fotografier av hamnen till Wikimedia Commons. Vem kan hjälpa oss med licenserna?"},
	{"sv", "Kan ni säga när kommittén träffas nästa gång?"},
	{"sv", "Tack så mycket!"},
	{"fi", "Hei! Olemme pieni kotiseutumuseo ja haluaisimme ladata noin 300 valokuvaa satamasta Wikimedia Commonsiin. Kuka voi auttaa meitä lisenssien kanssa?"},
	{"fi", "Emme ole vielä kuulleet mitään, onko uutisia?"},
	{"fr", "Bonjour, nous sommes un petit musée d'histoire locale et nous aimerions téléverser environ 300 photographies du port sur Wikimedia Commons. Qui peut nous aider avec les licences ?"},
	{"fr", "Pourriez-vous me dire quand le comité se réunit la prochaine fois ?"},
	{"es", "Hola, somos un pequeño museo de historia local y nos gustaría subir unas 300 fotografías del puerto a Wikimedia Commons. ¿Quién puede ayudarnos con las licencias?"},
	{"es", "Todavía no hemos recibido respuesta, ¿hay novedades?"},
	{"pt", "Olá, somos um pequeno museu de história local e gostaríamos de enviar cerca de 300 fotografias do porto para o Wikimedia Commons. Quem pode nos ajudar com as licenças?"},
	{"pt", "Ainda não tivemos resposta, há alguma novidade?"},
	{"ar", "مرحبا، نحن متحف صغير للتاريخ المحلي ونود رفع حوالي ٣٠٠ صورة للميناء إلى ويكيميديا كومنز. من يمكنه مساعدتنا في التراخيص؟"},
	{"ar", "هل يمكنك أن تخبرني متى تجتمع اللجنة في المرة القادمة؟"},
	{"bn", "নমস্কার, আমরা একটি ছোট স্থানীয় ইতিহাস জাদুঘর এবং উইকিমিডিয়া কমন্সে বন্দরের প্রায় ৩০০টি ছবি আপলোড করতে চাই। লাইসেন্সের ব্যাপারে কে আমাদের সাহায্য করতে পারেন?"},
	{"bn", "কমিটি পরের বার কখন মিলিত হবে বলতে পারবেন?"},
}

func TestDetect(t *testing.T) {
	d := New(helpdesk, Options{})
	for _, s := range samples {
		got, ok := d.Detect(s.text)
		if !ok || got != s.lang {
			t.Errorf("Detect(%.40q) = %q, %v; want %q", s.text, got, ok, s.lang)
		}
	}
}

// Too little to tell, or two languages too close to tell apart: no
// answer rather than a wrong one.
func TestDetectUnsure(t *testing.T) {
	d := New(helpdesk, Options{})
	for _, text := range []string{
		"OK",
		"Tack!",
		"Sim, claro",      // Portuguese, or Spanish "sí, claro"
		"Hej, se bilagan", // a Swedish reply that a few letters cannot tell
		"https://commons.wikimedia.org/wiki/File:Harbour_1923.jpg",
		"12345 67890 2025-03-03",
	} {
		if got, ok := d.Detect(text); ok {
			t.Errorf("Detect(%q) = %q: want no answer", text, got)
		}
	}
}

// Only the helpdesk's languages are candidates: German is told as one of
// them or not at all, never as German.
func TestDetectRestricted(t *testing.T) {
	d := New([]string{"sv", "fi"}, Options{})
	if got, ok := d.Detect("Guten Tag, wir möchten gerne Fotos aus unserem Archiv hochladen."); ok && got != "sv" && got != "fi" {
		t.Errorf("German told as %q", got)
	}
	if got := New([]string{"pt-BR", "en-GB", "xx", "sv_SE"}, Options{}).Languages(); len(got) != 3 || got[0] != "pt" || got[1] != "en" || got[2] != "sv" {
		t.Errorf("Languages() = %v", got)
	}
	if _, ok := New([]string{"sv"}, Options{}).Detect("Hej! Vi är ett litet hembygdsmuseum."); ok {
		t.Error("one language told: there was nothing to choose between")
	}
}

func TestDetectLowAccuracy(t *testing.T) {
	d := New(helpdesk, Options{LowAccuracy: true})
	for _, s := range samples {
		got, ok := d.Detect(s.text)
		if letters(s.text) < LowAccuracyMinLetters {
			if ok {
				t.Errorf("low accuracy told %q (%d letters) as %q", s.text, letters(s.text), got)
			}
			continue
		}
		if !ok || got != s.lang {
			t.Errorf("low accuracy: Detect(%.40q) = %q, %v; want %q", s.text, got, ok, s.lang)
		}
	}
}

func TestDetectConcurrent(t *testing.T) {
	d := New(helpdesk, Options{LowAccuracy: true})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := samples[i%len(samples)]
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

// TestFigures measures what the models cost: the time to load them and
// the heap they hold. lingua keeps them for the process, so it measures
// only in a process of its own:
//
//	LANGDETECT_FIGURES=1 go test -run Figures -v ./adapters/mail/langdetect/
func TestFigures(t *testing.T) {
	if os.Getenv("LANGDETECT_FIGURES") == "" {
		t.Skip("measures only alone, with LANGDETECT_FIGURES=1")
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, low := range []bool{true, false} {
		before := heap()
		start := time.Now()
		d := New(helpdesk, Options{LowAccuracy: low})
		d.Load()
		t.Logf("low accuracy %v: loaded (after the above) in %v, heap %+.0f MB", low, time.Since(start).Round(time.Millisecond), (float64(heap())-float64(before))/1e6)
		start = time.Now()
		for _, s := range samples {
			d.Detect(s.text)
		}
		t.Logf("low accuracy %v: %d texts told in %v", low, len(samples), time.Since(start).Round(time.Microsecond))
	}
}
