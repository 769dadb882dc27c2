// Package metrics is what the helpdesk tells Prometheus: the operators'
// view of a running bot, served at /metrics on its HTTP server.
//
// Two kinds of figures are shown. Counts of what this process did (events,
// votes, deliveries, 429s, acknowledgements, transactions) are counters and
// histograms the core, the store and the adapters update as they go, so a
// scrape reads memory; they start again at zero when the bot restarts, as
// Prometheus expects of counters. The state of the whole helpdesk (cases
// by stage, the outbox backlog) is read from the database at each scrape,
// from rows the store keeps small for it (see bot.Figures), so that it
// is the truth even after a restore and costs the same with ten cases or
// ten thousand.
//
// No label holds a user, a case or anything a person typed: labels are
// platforms, stages, event types, operations and results, all from short
// fixed lists. Nothing here needs or shows a secret.
package metrics

import (
	"context"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wmse/helpdesk/bot"
)

// Source is where the figures of the whole helpdesk are read at a scrape
// (the core's bot.Service.Figures).
type Source interface {
	Figures(ctx context.Context) (bot.Figures, error)
}

// scrapeTimeout bounds the database read of one scrape.
const scrapeTimeout = 2 * time.Second

// ackBuckets suit acknowledgements: Discord wants one within 3 seconds,
// Mattermost waits for a slash command's answer about as long.
var ackBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5}

// Metrics is the helpdesk's registry and the instruments the parts of the
// bot update. It is safe for concurrent use. A nil *Metrics is valid and
// counts nothing, as is a nil *Platform.
type Metrics struct {
	reg     *prometheus.Registry // the helpdesk's own families
	runtime *prometheus.Registry // Go's and the process's

	events      *prometheus.CounterVec
	eventOf     map[bot.EventType]prometheus.Counter
	voted       prometheus.Counter
	refused     map[bot.VoteResult]prometheus.Counter
	deliveries  *prometheus.CounterVec
	txSeconds   map[bool]prometheus.Observer // by write
	busy        prometheus.Counter
	backups     map[bool]prometheus.Counter // by success
	lastBackup  prometheus.Gauge
	rateLimited *prometheus.CounterVec
	rateWaited  *prometheus.CounterVec
	acks        *prometheus.HistogramVec
	reconciles  *prometheus.HistogramVec
	reactions   *prometheus.CounterVec

	mu        sync.Mutex
	platforms []string // those asked for with Platform, in that order
}

// New makes the registry, with Go's and the process's own metrics and the
// build's version. The series of a platform are there, at zero, from the
// moment its Platform is asked for.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), runtime: prometheus.NewRegistry()}
	f := factory{m.reg}

	m.events = f.counterVec("helpdesk_events_total", "Events appended to the cases' logs, by type.", "type")
	m.eventOf = map[bot.EventType]prometheus.Counter{}
	for _, t := range bot.EventTypes {
		m.eventOf[t] = m.events.WithLabelValues(string(t))
	}
	m.voted = f.counter("helpdesk_votes_counted_total", "Vote reactions added to or taken off a tally.")
	refused := f.counterVec("helpdesk_votes_refused_total", "Vote reactions that did not count, by reason.", "reason")
	m.refused = map[bot.VoteResult]prometheus.Counter{}
	for _, r := range bot.VoteResults[1:] {
		m.refused[r] = refused.WithLabelValues(string(r))
	}
	m.deliveries = f.counterVec("helpdesk_deliveries_total", "Attempts at outbox work (posts, edits, reactions…), by platform, operation and result.", "platform", "op", "result")

	tx := f.histogramVec("helpdesk_store_transaction_seconds", "Database transactions, from asking for a connection to the commit, by kind.", prometheus.ExponentialBuckets(0.0005, 2.5, 10), "kind")
	m.txSeconds = map[bool]prometheus.Observer{true: tx.WithLabelValues("write"), false: tx.WithLabelValues("read")}
	m.busy = f.counter("helpdesk_store_busy_total", "Transactions that failed because another process held the database (SQLITE_BUSY).")

	backups := f.counterVec("helpdesk_backups_total", "Scheduled backups, by result.", "result")
	m.backups = map[bool]prometheus.Counter{true: backups.WithLabelValues("ok"), false: backups.WithLabelValues("failed")}
	m.lastBackup = f.gauge("helpdesk_backup_last_success_timestamp_seconds", "When the last scheduled backup that was verified finished (Unix time); 0 before the first.")

	m.rateLimited = f.counterVec("helpdesk_rate_limited_total", "Answers 429 (too many requests) from a platform.", "platform")
	m.rateWaited = f.counterVec("helpdesk_rate_limit_wait_seconds_total", "Time a platform asked the helpdesk to wait (Retry-After), summed.", "platform")
	m.acks = f.histogramVec("helpdesk_ack_seconds", "From a command or form reaching the helpdesk to the platform's acknowledgement of its answer.", ackBuckets, "platform")
	m.reconciles = f.histogramVec("helpdesk_reconcile_seconds", "Reading every ballot's reactions again after a (re)connection.", prometheus.ExponentialBuckets(0.05, 2.5, 10), "platform")
	m.reactions = f.counterVec("helpdesk_reconcile_reactions_total", "Reactions read by reconciles.", "platform")

	version, revision := build()
	info := f.gaugeVec("helpdesk_build_info", "The helpdesk's version, its source revision and the Go that built it; always 1.", "version", "revision", "goversion")
	info.WithLabelValues(version, revision, goVersion()).Set(1)

	m.runtime.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Watch makes every scrape read the helpdesk's figures from src.
func (m *Metrics) Watch(src Source) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&figures{src: src, m: m})
}

// known lists the platforms asked for.
func (m *Metrics) known() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.platforms)
}

// Handler serves the metrics in Prometheus's text format (or its protobuf
// format, to a scraper that asks for it); nil when m is.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return nil
	}
	return handler(prometheus.Gatherers{m.reg, m.runtime})
}

func handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError, // a failed figure read leaves the counters readable
		MaxRequestsInFlight: 4,
	})
}

// Event counts an event (bot.Meter).
func (m *Metrics) Event(t bot.EventType) {
	if m == nil {
		return
	}
	if c, ok := m.eventOf[t]; ok {
		c.Inc()
		return
	}
	m.events.WithLabelValues(string(t)).Inc()
}

// Vote counts a vote reaction (bot.Meter).
func (m *Metrics) Vote(r bot.VoteResult) {
	if m == nil {
		return
	}
	if r == bot.VoteCounted {
		m.voted.Inc()
	} else if c, ok := m.refused[r]; ok {
		c.Inc()
	}
}

// Delivery counts an attempt at outbox work (bot.Meter).
func (m *Metrics) Delivery(platform string, op bot.Op, r bot.DeliveryResult) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(platform, string(op), string(r)).Inc()
}

var (
	_ bot.Meter         = (*Metrics)(nil)
	_ bot.PlatformMeter = (*Platform)(nil)
)

// Transaction counts a database transaction (the store's observer).
func (m *Metrics) Transaction(write bool, took time.Duration, busy bool) {
	if m == nil {
		return
	}
	m.txSeconds[write].Observe(took.Seconds())
	if busy {
		m.busy.Inc()
	}
}

// Backup counts a scheduled backup, verified (ok) or failed, finished at.
func (m *Metrics) Backup(ok bool, at time.Time) {
	if m == nil {
		return
	}
	m.backups[ok].Inc()
	if ok {
		m.lastBackup.Set(float64(at.UnixNano()) / 1e9)
	}
}

// Platform is the instruments of one platform's adapter.
type Platform struct {
	rateLimited prometheus.Counter
	rateWaited  prometheus.Counter
	acks        prometheus.Observer
	reconciles  prometheus.Observer
	reactions   prometheus.Counter
}

// Platform returns the instruments of the named platform, whose series
// (its deliveries and outbox figures among them) are shown from now on;
// nil when m is.
func (m *Metrics) Platform(name string) *Platform {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	if !slices.Contains(m.platforms, name) {
		m.platforms = append(m.platforms, name)
		for _, op := range bot.Ops {
			for _, r := range bot.DeliveryResults {
				m.deliveries.WithLabelValues(name, string(op), string(r))
			}
		}
	}
	m.mu.Unlock()
	return &Platform{
		rateLimited: m.rateLimited.WithLabelValues(name),
		rateWaited:  m.rateWaited.WithLabelValues(name),
		acks:        m.acks.WithLabelValues(name),
		reconciles:  m.reconciles.WithLabelValues(name),
		reactions:   m.reactions.WithLabelValues(name),
	}
}

// RateLimited counts a 429 and the wait the platform asked for.
func (p *Platform) RateLimited(wait time.Duration) {
	if p == nil {
		return
	}
	p.rateLimited.Inc()
	p.rateWaited.Add(max(wait, 0).Seconds())
}

// Acked records how long a command or form took to be acknowledged.
func (p *Platform) Acked(took time.Duration) {
	if p == nil {
		return
	}
	p.acks.Observe(took.Seconds())
}

// Reconciled records a reconcile of every ballot: how long it took and how
// many reactions it read.
func (p *Platform) Reconciled(took time.Duration, reactions int) {
	if p == nil {
		return
	}
	p.reconciles.Observe(took.Seconds())
	p.reactions.Add(float64(reactions))
}

// figures reads the state of the whole helpdesk at each scrape.
type figures struct {
	src Source
	m   *Metrics
}

var (
	casesDesc   = prometheus.NewDesc("helpdesk_cases", "Cases in each stage now.", []string{"stage"}, nil)
	overdueDesc = prometheus.NewDesc("helpdesk_overdue_cases", "Open cases with a wait past its first reminder, by kind of wait (decision: a vote past its deadline waiting for the chair).", []string{"wait"}, nil)
	dueDesc     = prometheus.NewDesc("helpdesk_outbox_due_items", "Outbox work due now and not yet done, by platform.", []string{"platform"}, nil)
	waitingDesc = prometheus.NewDesc("helpdesk_outbox_waiting_items", "Outbox work put off until later (retried after a failure, or a refresh held back), by platform.", []string{"platform"}, nil)
	oldestDesc  = prometheus.NewDesc("helpdesk_outbox_oldest_due_age_seconds", "How long the oldest outbox work that is due has waited since it was made, by platform; 0 when none is due.", []string{"platform"}, nil)
)

func (f *figures) Describe(ch chan<- *prometheus.Desc) {
	ch <- casesDesc
	ch <- overdueDesc
	ch <- dueDesc
	ch <- waitingDesc
	ch <- oldestDesc
}

func (f *figures) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	fig, err := f.src.Figures(ctx)
	if err != nil {
		// The error names the failure, never a secret or a person.
		ch <- prometheus.NewInvalidMetric(casesDesc, err)
		return
	}
	for kind, n := range fig.Overdue {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n), kind)
	}
	for _, st := range bot.Stages {
		ch <- prometheus.MustNewConstMetric(casesDesc, prometheus.GaugeValue, float64(fig.Stages[st]), string(st))
	}
	seen := map[string]bool{}
	emit := func(p string) {
		if seen[p] {
			return
		}
		seen[p] = true
		b := fig.Outbox[p]
		ch <- prometheus.MustNewConstMetric(dueDesc, prometheus.GaugeValue, float64(b.Due), p)
		ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(b.Waiting), p)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, b.Oldest.Seconds(), p)
	}
	for _, p := range f.m.known() {
		emit(p)
	}
	for p := range fig.Outbox {
		// Work left for a platform no longer configured still waits.
		emit(p)
	}
}

// build returns the module version and VCS revision the binary was built
// from, "(devel)" and "unknown" when Go did not record them.
func build() (version, revision string) {
	version, revision = "(devel)", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if v := bi.Main.Version; v != "" {
		version = v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			revision = s.Value
		}
	}
	return
}

func goVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return strings.TrimSpace(bi.GoVersion)
	}
	return "unknown"
}

// factory makes instruments and registers them.
type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}
