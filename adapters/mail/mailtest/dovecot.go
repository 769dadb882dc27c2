package mailtest

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// startDovecot writes Dovecot's configuration and users into s.dir and
// starts it.
func (s *Servers) startDovecot(bins *binaries) error {
	dir := filepath.Join(s.dir, "dovecot")
	mail := filepath.Join(s.dir, "mail")
	state := filepath.Join(dir, "state")
	for _, d := range []string{dir, state, mail} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	// Dovecot refuses to store mail as root; nobody owns the mailboxes.
	nobody, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("the user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	if err := os.Chown(mail, uid, gid); err != nil {
		return err
	}
	// Its sockets, in a folder of their own with a short path (Unix socket
	// paths are limited to 108 bytes).
	run, err := os.MkdirTemp("", "mailtest")
	if err != nil {
		return err
	}
	s.runDir = run
	if err := os.Chmod(run, 0o755); err != nil {
		return err
	}

	addrs := make([]string, 0, len(s.opt.Mailboxes))
	for a := range s.opt.Mailboxes {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var users strings.Builder
	for _, a := range addrs {
		fmt.Fprintf(&users, "%s:{PLAIN}%s::::::\n", strings.ToLower(a), s.opt.Mailboxes[a])
	}
	usersPath := filepath.Join(dir, "users")
	if err := os.WriteFile(usersPath, []byte(users.String()), 0o644); err != nil {
		return err
	}

	imapHost, imapPort, _ := net.SplitHostPort(s.imapAddr)
	lmtpHost, lmtpPort, _ := net.SplitHostPort(s.lmtpAddr)
	logPath := filepath.Join(s.dir, "dovecot.log")
	conf := fmt.Sprintf(`# mailtest: IMAP and LMTP on loopback, nothing from /etc/dovecot.
protocols = imap lmtp
listen = 127.0.0.1
base_dir = %[1]s
state_dir = %[2]s
instance_name = mailtest
log_path = %[3]s
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %%Lu
mail_location = maildir:~/Maildir
mail_uid = %[4]d
mail_gid = %[5]d
first_valid_uid = 1
first_valid_gid = 1
mail_fsync = never
recipient_delimiter = +
# A backstop only: changes reach an IDLE client through inotify.
mailbox_idle_check_interval = 1 secs
namespace inbox {
  inbox = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN %[6]s
}
userdb {
  driver = passwd-file
  args = %[6]s
  default_fields = home=%[7]s/%%u
}
service imap-login {
  inet_listener imap {
    address = %[8]s
    port = %[9]s
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = %[10]s
    port = %[11]s
  }
}
`, run, state, logPath, uid, gid, usersPath, mail, imapHost, imapPort, lmtpHost, lmtpPort)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return err
	}
	// Dovecot's master, told to stop, sleeps a fixed second after
	// signalling its log process; the test needs nothing from it any more,
	// so it is killed with its process group instead (a few milliseconds).
	p, err := startProc("dovecot", logPath, true, bins.dovecot, "-F", "-c", confPath)
	if err != nil {
		return err
	}
	s.dovecot = p
	if err := waitGreeting(p, s.imapAddr, "* OK", 10*time.Second); err != nil {
		return err
	}
	return waitGreeting(p, s.lmtpAddr, "220 ", 10*time.Second)
}
