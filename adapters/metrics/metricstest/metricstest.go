// Package metricstest reads metrics as Prometheus would, for tests: a real
// scrape over HTTP parsed by Prometheus's own text parser.
package metricstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families are the metric families of one scrape, by name.
type Families map[string]*dto.MetricFamily

// Scrape serves h on a test server, fetches it over HTTP in the text
// format a Prometheus server asks for, and parses it.
func Scrape(tb testing.TB, h http.Handler) Families {
	tb.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return Get(tb, srv.URL)
}

// Get scrapes url, a /metrics address, and parses what it answers.
func Get(tb testing.TB, url string) Families {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		tb.Fatalf("scrape %s: %s: %s", url, resp.Status, body)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tb.Fatalf("parse the scrape of %s: %v", url, err)
	}
	return fams
}

// Value is the value of the series of family name whose labels include
// the given name, value pairs: a counter's or gauge's value, a histogram's
// count of observations. It fails the test when there is no such series.
func (f Families) Value(tb testing.TB, name string, labels ...string) float64 {
	tb.Helper()
	fam, ok := f[name]
	if !ok {
		tb.Fatalf("no metric %s", name)
	}
	for _, s := range fam.Metric {
		have := map[string]string{}
		for _, l := range s.Label {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			return s.Counter.GetValue()
		case s.Gauge != nil:
			return s.Gauge.GetValue()
		case s.Histogram != nil:
			return float64(s.Histogram.GetSampleCount())
		case s.Untyped != nil:
			return s.Untyped.GetValue()
		}
	}
	tb.Fatalf("no series of %s with %v", name, labels)
	return 0
}
