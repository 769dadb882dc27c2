package mailtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// startPostfix writes Postfix's configuration and queue into s.dir and
// starts its master.
func (s *Servers) startPostfix(bins *binaries) error {
	etc := filepath.Join(s.dir, "postfix")
	queue := filepath.Join(s.dir, "postfix-queue")
	data := filepath.Join(s.dir, "postfix-data")
	if err := os.Mkdir(etc, 0o755); err != nil {
		return err
	}
	if err := makeQueue(queue, data); err != nil {
		return err
	}

	dovecot := "lmtp:inet:" + s.lmtpAddr
	mainCF := []string{
		"compatibility_level = 3.6",
		"queue_directory = " + queue,
		"data_directory = " + data,
		"myhostname = " + s.opt.Hostname,
		"myorigin = $myhostname",
		// No local delivery, no aliases, nothing from /etc.
		"mydestination =",
		"local_recipient_maps =",
		"alias_maps =",
		"alias_database =",
		"inet_interfaces = 127.0.0.1",
		"inet_protocols = ipv4",
		"mynetworks = 127.0.0.0/8",
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
		"virtual_mailbox_domains = " + strings.Join(s.domains, " "),
		"virtual_transport = " + dovecot,
		// No mail leaves the machine: other domains bounce at once.
		"default_transport = error:mailtest delivers no mail outside its domains",
		"relay_transport = error:mailtest delivers no mail outside its domains",
		"recipient_delimiter = +",
		"mailbox_size_limit = 0",
		"virtual_mailbox_limit = 0",
		"maillog_file = /dev/stdout",
		"smtpd_tls_security_level = none",
		"smtp_tls_security_level = none",
		"lmtp_tls_security_level = none",
		// Loopback has no DNS to ask.
		"smtpd_peername_lookup = no",
		"lmtp_host_lookup = native",
		"smtp_host_lookup = native",
		"biff = no",
		"notify_classes =",
		"readme_directory = no",
		// Quick for tests: retry deferred mail within seconds, never slow
		// a client down. The queue manager takes a deferred message again
		// once its queue file's time, now + backoff in whole seconds, is
		// at most a second ahead: with a backoff of 1 or 2 s that can be
		// at once, while the delivery agent that deferred it still holds
		// its lock, and the queue manager then puts the message aside for
		// a minute (seen once in a hundred runs). 3 s leaves a second.
		"queue_run_delay = 1s",
		"minimal_backoff_time = 3s",
		"maximal_backoff_time = 6s",
		"in_flow_delay = 0",
		"smtpd_error_sleep_time = 0",
	}
	if s.opt.MessageSizeLimit > 0 {
		mainCF = append(mainCF, "message_size_limit = "+strconv.FormatInt(s.opt.MessageSizeLimit, 10))
	}
	if s.opt.LMTPDomain != "" {
		transport := s.opt.LMTPDomain + " lmtp:inet:" + s.opt.LMTPAddr + "\n"
		if err := writeConf(filepath.Join(etc, "transport"), transport); err != nil {
			return err
		}
		mainCF = append(mainCF,
			"relay_domains = "+s.opt.LMTPDomain,
			"transport_maps = texthash:"+filepath.Join(etc, "transport"))
	}
	if len(s.opt.AuthResults) > 0 {
		keys := make([]string, 0, len(s.opt.AuthResults))
		for k := range s.opt.AuthResults {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s PREPEND Authentication-Results: %s\n", k, strings.TrimSpace(s.opt.AuthResults[k]))
		}
		if err := writeConf(filepath.Join(etc, "authres"), b.String()); err != nil {
			return err
		}
		mainCF = append(mainCF, "smtpd_sender_restrictions = check_sender_access texthash:"+filepath.Join(etc, "authres"))
	}
	if err := writeConf(filepath.Join(etc, "main.cf"), strings.Join(mainCF, "\n")+"\n"); err != nil {
		return err
	}

	// Only the services this site uses; no chroot (the queue is not set up
	// for one), no pickup (nothing uses sendmail).
	masterCF := s.smtpAddr + ` inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
lmtp      unix - - n - - lmtp
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`
	if err := writeConf(filepath.Join(etc, "master.cf"), masterCF); err != nil {
		return err
	}

	// "master -s" is what "postfix start-fg" runs: in the foreground,
	// logging to its standard output.
	p, err := startProc("postfix", filepath.Join(s.dir, "postfix.log"), false, bins.master, "-c", etc, "-s")
	if err != nil {
		return err
	}
	s.postfix = p
	return waitGreeting(p, s.smtpAddr, "220 ", 10*time.Second)
}

// writeConf writes one of Postfix's files, dated a minute ago: Postfix
// waits, in steps of 300 ms, until a configuration file or table it loads
// into memory (main.cf, texthash:) is more than a second old, in case it is
// still being written. A fresh main.cf held up Postfix's start by 1.6 s,
// and each of its daemons' by as much again.
func writeConf(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return err
	}
	old := time.Now().Add(-time.Minute)
	return os.Chtimes(path, old, old)
}

// makeQueue makes Postfix's queue and data directories with the owners and
// modes of Postfix's postfix-files, as "postfix check" would (it takes
// seconds, running postconf a dozen times).
func makeQueue(queue, data string) error {
	pf, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("the postfix user: %w", err)
	}
	uid, _ := strconv.Atoi(pf.Uid)
	postdrop := 0
	if g, err := user.LookupGroup("postdrop"); err == nil {
		postdrop, _ = strconv.Atoi(g.Gid)
	}
	dirs := []struct {
		path     string
		uid, gid int
		mode     os.FileMode
	}{
		{queue, 0, -1, 0o755},
		{filepath.Join(queue, "pid"), 0, -1, 0o755},
		{filepath.Join(queue, "maildrop"), uid, postdrop, 0o730},
		{filepath.Join(queue, "public"), uid, postdrop, 0o710},
		{data, uid, -1, 0o700},
	}
	for _, d := range []string{"active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved", "trace"} {
		dirs = append(dirs, struct {
			path     string
			uid, gid int
			mode     os.FileMode
		}{filepath.Join(queue, d), uid, -1, 0o700})
	}
	for _, d := range dirs {
		if err := os.Mkdir(d.path, d.mode); err != nil {
			return err
		}
		if err := os.Chmod(d.path, d.mode); err != nil { // past the umask
			return err
		}
		if err := os.Chown(d.path, d.uid, d.gid); err != nil {
			return err
		}
	}
	return nil
}
