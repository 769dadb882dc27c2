// Command helpdesk runs the Content Partnerships helpdesk.
//
//	helpdesk [-db PATH] [-config FILE] [-v] [-log text|json]
//	helpdesk export -db PATH [-config FILE]
//	helpdesk backup -db PATH -to FILE
//	helpdesk restore (-config litestream.yml [-db PATH] | -replica URL | -from FILE) -o FILE [-timestamp T]
//
// Without a platform configured it starts the terminal chat (the shell) on
// the database at PATH, ./helpdesk.db by default: type /help there. The
// export subcommand prints every case of a database as JSON.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // time zones for the config, on systems without zoneinfo

	"golang.org/x/term"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func main() {
	privateFiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the program failed: bad config, database, I/O
	exitUsage = 2 // the command line could not be understood
)

// run is the program: it reads args (without the program name), runs the
// shell or a subcommand until ctx ends, and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "export" {
		return runExport(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "restore" {
		return runRestore(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "privacy" {
		return runPrivacy(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "check" {
		return runCheck(ctx, args[1:], stdout, stderr)
	}
	return runBot(ctx, args, stdin, stdout, stderr)
}

// common are the flags every command has.
type common struct {
	db      string
	config  string
	verbose bool
	format  string
}

func (c *common) register(fs *flag.FlagSet, db string) {
	fs.StringVar(&c.db, "db", db, "the SQLite database `file`")
	fs.StringVar(&c.config, "config", "", "the configuration `file` (TOML); without it the built-in demo configuration")
	fs.BoolVar(&c.verbose, "v", false, "log what the helpdesk does (level info), not only problems")
	fs.StringVar(&c.format, "log", "text", "log `format` on stderr: text or json")
}

// parse reads the command line; ok false means run should return code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return exitUsage, false
	}
	return exitOK, true
}

// logger logs to stderr at warn, or info with -v.
func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if c.verbose {
		opts.Level = slog.LevelInfo
	}
	switch c.format {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, fmt.Errorf("-log: %q is neither text nor json", c.format)
}

// setup loads the catalog and the configuration.
func (c *common) setup(stderr io.Writer) (*slog.Logger, *locales.Catalog, config, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, nil, config{}, err
	}
	cat, err := locales.Default()
	if err != nil {
		return nil, nil, config{}, fmt.Errorf("load messages: %w", err)
	}
	cfg, err := loadConfig(c.config, cat)
	if err != nil {
		return nil, nil, config{}, err
	}
	cat.SetLocation(cfg.Location)
	cfg.Bot.Logger = log
	return log, cat, cfg, nil
}

// runBot runs the helpdesk on the platforms the configuration (or the
// environment) enables until a signal, or, when none is, in the terminal
// until the input ends, /quit, or a signal.
func runBot(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helpdesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs, "helpdesk.db")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	log, cat, cfg, err := c.setup(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk: %v\n", err)
		return exitError
	}

	// A person at a terminal sees time pass; a script plays the same way
	// each run; platforms live on the wall clock.
	interactive := isTerminal(stdin)
	var clock bot.Clock = wallClock{}
	shellClock := shell.NewClock(time.Now())
	if interactive {
		shellClock = shell.NewRunningClock(time.Now())
	}
	if !cfg.platformsWanted(os.Getenv) {
		clock = shellClock
		// One person at a terminal plays every part: a limit on how fast
		// people send commands protects nothing there.
		cfg.Bot.CommandsPerMinute = math.MaxInt32
	}
	// The metrics are kept when the operators' HTTP server shows them.
	var m *metrics.Metrics
	opt := sqlite.Options{Clock: clock}
	if cfg.File.HTTP.Listen != "" {
		m = metrics.New()
		cfg.Bot.Meter = m
		opt.Observe = m.Transaction
	}
	store, closeStore, err := openStore(ctx, log, c.db, opt)
	if err != nil {
		return exitError
	}
	defer closeStore()

	shellMode := !cfg.platformsWanted(os.Getenv)
	if shellMode {
		// The shell goes on from where /wait left it on this database:
		// otherwise a restart would put the deadlines back in the future.
		last, err := store.LastActivity(ctx)
		if err != nil {
			log.Error("read the database's last activity", "err", err)
			return exitError
		}
		if now := shellClock.Now(); last.After(now) {
			shellClock.Advance(last.Sub(now))
		}
	}
	dashLn, dashURL, err := dashboardListener(cfg.File.Dashboard, shellMode)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk: dashboard.listen: %v\n", err)
		return exitError
	}
	if dashLn != nil {
		cfg.Bot.DashboardURL = dashURL
	}
	svc := bot.New(store, clock, cat, cfg.Bot)
	m.Watch(svc)
	ps := platformSetup{File: cfg.File, Env: os.Getenv, Service: svc, Catalog: cat, Location: cfg.Location, Log: log, Metrics: m}
	plats, err := enabledPlatforms(ps)
	var mailer *mailRunner
	if err == nil {
		// Mail goes with the chat platforms, or with the shell.
		chats := []string{shell.Platform}
		if len(plats) > 0 {
			chats = chats[:0]
			for n := range plats {
				chats = append(chats, n)
			}
			sort.Strings(chats)
		}
		if mailer, err = setupMail(ps, chats); err != nil {
			err = fmt.Errorf("mail: %w", err)
		}
	}
	if err != nil {
		if dashLn != nil {
			dashLn.Close()
		}
		fmt.Fprintf(stderr, "helpdesk: %v\n", err)
		return exitError
	}
	if p := cfg.Bot.CommitteePlatform; p != "" && plats[p] == nil {
		if dashLn != nil {
			dashLn.Close()
		}
		fmt.Fprintf(stderr, "helpdesk: helpdesk.committee_platform: %q is not running (configure it, or leave committee_platform out)\n", p)
		return exitError
	}
	if mailer != nil && len(plats) > 0 {
		plats[mail.Platform] = mailer
	}
	if dashLn != nil {
		stopDash, err := serveDashboard(ctx, dashLn, dashURL, svc, cat, clock, plats, log)
		if err != nil {
			dashLn.Close()
			fmt.Fprintf(stderr, "helpdesk: dashboard: %v\n", err)
			return exitError
		}
		defer stopDash()
	}
	if cfg.BackupEvery > 0 {
		bctx, stopBackups := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			scheduleBackups(bctx, store, svc, cfg.BackupDir, cfg.BackupEvery, cfg.BackupKeep, m, log)
		}()
		defer func() { stopBackups(); <-done }()
	}
	if addr := cfg.File.HTTP.Listen; addr != "" {
		stopWeb, err := serveOps(ctx, addr, store, plats, m, log)
		if err != nil {
			fmt.Fprintf(stderr, "helpdesk: http.listen: %v\n", err)
			return exitError
		}
		defer stopWeb()
	}
	if len(plats) > 0 {
		log.Info("helpdesk started", "db", c.db, "platforms", len(plats))
		if err := runPlatforms(ctx, svc, plats, log); err != nil {
			return exitError
		}
		log.Info("helpdesk stopped")
		return exitOK
	}
	// /mail hands a mail to the intake: [mail]'s, whose letters go out by
	// SMTP, or the shell's own, whose letters the shell prints after each
	// line, in order.
	var taker *mail.Taker
	mailTo, outboxes := shellMailAddress, []string{mail.Platform}
	if mailer != nil {
		taker, mailTo, outboxes = mailer.taker, mailer.address, nil
	} else {
		taker = shellTaker(ps)
	}
	sh := shell.New(shell.Options{
		Catalog:     cat,
		Clock:       shellClock,
		Roster:      cfg.Roster,
		Out:         stdout,
		Interactive: interactive,
		Locale:      shell.LocaleFromEnv(os.Getenv),
		DefaultLang: svc.Config().DefaultLang,
		Logger:      log,
		Mail:        taker.Handle,
		MailAddress: mailTo,
		Outboxes:    outboxes,
	})
	svc.Attach(shell.Platform, sh)
	if mailer == nil {
		outlet, err := shellOutlet(ps, sh)
		if err != nil {
			fmt.Fprintf(stderr, "helpdesk: mail: %v\n", err)
			return exitError
		}
		defer outlet.Close()
		svc.Attach(mail.Platform, outlet)
	} else {
		mctx, stopMail := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { deliverMail(mctx, svc, log) })
		wg.Go(func() {
			if err := mailer.Run(mctx); err != nil {
				log.Error("mail", "err", err)
			}
		})
		defer func() { stopMail(); wg.Wait() }()
	}
	log.Info("helpdesk started", "platform", shell.Platform, "db", c.db)
	if err := sh.Run(ctx, svc, stdin); err != nil {
		log.Error("shell", "err", err)
		return exitError
	}
	log.Info("helpdesk stopped")
	return exitOK
}

// openStore opens the database at path and returns it with the function
// that closes it; failures are logged.
func openStore(ctx context.Context, log *slog.Logger, path string, opt sqlite.Options) (*sqlite.Store, func(), error) {
	store, err := sqlite.OpenWith(ctx, path, opt)
	if err != nil {
		log.Error("open database", "path", path, "err", err)
		return nil, nil, err
	}
	if m, moved := store.Moved(); moved {
		log.Warn("the database file is not the one last opened (it was copied, restored or moved to another disk): it has an installation id of its own now, so that the platforms never take a new post for one the original made",
			"path", path, "was", m.From, "installation", m.Installation, "was_installation", m.OldInstallation, "backups_forgotten", m.Backups)
	}
	return store, func() {
		if err := store.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}, nil
}

// wallClock is the system's clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// isTerminal reports whether r is a terminal a person types at.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
