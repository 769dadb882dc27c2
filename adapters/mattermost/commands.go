package mattermost

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/bot"
)

// stateTTL is how long a dialog may stay open before its submission is
// refused as expired.
const stateTTL = 24 * time.Hour

// Handler serves Mattermost's callbacks: the slash command at CommandPath
// and dialog submissions at DialogPath.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+CommandPath, a.serveCommand)
	mux.HandleFunc("POST "+DialogPath, a.serveDialog)
	return mux
}

// serveCommand answers "/helpdesk …". Mattermost POSTs a form with the
// command's token (in the Authorization header and the token field); a
// request without the right token is refused with 401. request and
// volunteer open a dialog before the answer (the trigger id expires
// soon); every other command is answered privately with the core's reply.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if !a.tokenOK(r) {
		// Never log the token that came: it might be a real one sent to
		// the wrong place.
		a.refused("slash command refused: wrong or missing token", "remote", r.RemoteAddr, "user_id", logValue(r.PostForm.Get("user_id")))
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	start := time.Now()
	ctx := r.Context()
	uid := r.PostForm.Get("user_id")
	if !model.IsValidId(uid) {
		a.refused("slash command refused: not a user id", "remote", r.RemoteAddr, "user_id", logValue(uid))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	inv := a.invocation(ctx, uid, r.PostForm.Get("user_name"))
	inv.Thread = r.PostForm.Get("root_id")
	resp := a.svc.Command(ctx, inv, r.PostForm.Get("text"))
	if resp.Result == bot.Choose {
		// The dialog has the type as a select: no need to ask for it first.
		// The core checks the requester's limit when the form comes back.
		resp = bot.Response{Form: a.svc.FormFor(bot.RequestForm, "", resp.Reply.Lang)}
	}
	var text string
	switch {
	case resp.Form != nil:
		if err := a.openDialog(ctx, r.PostForm.Get("trigger_id"), uid, resp.Form); err != nil {
			a.log.Error("open dialog", "user", uid, "form", resp.Form.Kind, "err", err)
			text = a.say(resp.Form.Lang, "mattermost.dialog_failed", "cmd", bot.C("/"+Trigger+" "+string(resp.Form.Kind)))
		}
	case resp.Reply != nil:
		text = a.render(*resp.Reply)
	}
	writeJSON(w, &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: clip(text)})
	a.opt.Metrics.Acked(time.Since(start))
}

// refused logs a refused callback, unless too many were logged in the last
// minute (see refusalLog); every value from the request must have been
// bounded with logValue or checked.
func (a *Adapter) refused(msg string, kv ...any) {
	ok, dropped := a.refusals.allow(time.Now())
	if !ok {
		return
	}
	if dropped > 0 {
		kv = append(kv, "refusals_not_logged", dropped)
	}
	a.log.Warn(msg, kv...)
}

// clip keeps an ephemeral answer within a post's length.
func clip(s string) string {
	if parts := split(s, MaxRunes-10); len(parts) > 1 {
		return parts[0] + "\n…"
	}
	return s
}

// tokenOK checks the command's token in constant time.
func (a *Adapter) tokenOK(r *http.Request) bool {
	got := r.PostForm.Get("token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Token") {
			return false
		}
		got = strings.TrimSpace(tok)
	}
	want := a.cmdToken
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// invocation describes the user behind a callback: name, Mattermost
// locale (read once and cached) and the configured roles.
func (a *Adapter) invocation(ctx context.Context, uid, name string) bot.Invocation {
	inv := bot.Invocation{User: userID(uid), Name: name}
	if u, err := a.user(ctx, uid); err == nil {
		inv.Locale = u.Locale
		if inv.Name == "" {
			inv.Name = u.Username
		}
	} else {
		a.log.Warn("read user", "user", uid, "err", err)
	}
	roles := a.rolesOf(uid)
	inv.Roles = &roles
	return inv
}

// state is what a dialog carries back, signed: who may submit it, which
// form and request type, until when, and a nonce that makes it single-use.
type state struct {
	User    string          `json:"u"`
	Kind    bot.FormKind    `json:"k"`
	Type    bot.RequestType `json:"t,omitempty"`
	Expires int64           `json:"e"`
	Nonce   string          `json:"n"`
}

// sign encodes st as base64(JSON).base64(HMAC-SHA256).
func (a *Adapter) sign(st state) string {
	body, _ := json.Marshal(st)
	mac := hmac.New(sha256.New, a.secret)
	mac.Write(body)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(mac.Sum(nil))
}

// verify checks a state's signature and returns its content.
func (a *Adapter) verify(s string) (state, error) {
	var st state
	body64, sig64, ok := strings.Cut(s, ".")
	if !ok {
		return st, errors.New("malformed state")
	}
	// Strict, and nothing but the alphabet: one encoding per state, so
	// that the state verified is the very string that was signed (Go's
	// decoder skips \r and \n, even in strict mode: found by the fuzzer).
	if strings.IndexFunc(s, func(r rune) bool { return !isBase64URL(r) && r != '.' }) >= 0 {
		return st, errors.New("malformed state")
	}
	enc := base64.RawURLEncoding.Strict()
	body, err1 := enc.DecodeString(body64)
	sig, err2 := enc.DecodeString(sig64)
	if err1 != nil || err2 != nil {
		return st, errors.New("malformed state")
	}
	mac := hmac.New(sha256.New, a.secret)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return st, errors.New("bad signature")
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, errors.New("malformed state")
	}
	return st, nil
}

// isBase64URL reports whether r is in the URL-safe base64 alphabet.
func isBase64URL(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// openDialog shows a form as an interactive dialog.
func (a *Adapter) openDialog(ctx context.Context, trigger, uid string, f *bot.Form) error {
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	st := state{User: uid, Kind: f.Kind, Type: f.Type, Expires: time.Now().Add(stateTTL).Unix(), Nonce: base64.RawURLEncoding.EncodeToString(nonce)}
	d := a.dialog(f)
	d.State = a.sign(st)
	if err := d.IsValid(); err != nil {
		// Mattermost would only log it and show nothing: say so here.
		return fmt.Errorf("dialog for %s is not valid: %w", f.Kind, err)
	}
	return a.do(ctx, "open dialog", callOpts{}, func() (*model.Response, error) {
		return a.client.OpenInteractiveDialog(ctx, model.OpenDialogRequest{TriggerId: trigger, URL: a.opt.CallbackURL + DialogPath, Dialog: d})
	})
}

// dialog builds the dialog of a form: for a request, the type as a select
// first, then the form's fields with the core's limits. Titles, labels and
// help texts are cut to Mattermost's limits, which count bytes.
func (a *Adapter) dialog(f *bot.Form) model.Dialog {
	d, cuts := a.buildDialog(f)
	for _, c := range cuts {
		a.log.Warn("a dialog text is longer than Mattermost allows and was cut: shorten the message", "lang", f.Lang, "text", c)
	}
	return d
}

// buildDialog is dialog, and the texts it had to cut.
func (a *Adapter) buildDialog(f *bot.Form) (model.Dialog, []string) {
	st := a.style(nil)
	var cuts []string
	truncateBytes := func(s string, max int) string {
		t := truncateBytes(s, max)
		if t != s {
			cuts = append(cuts, s)
		}
		return t
	}
	title := "form.volunteer.short"
	if f.Kind == bot.RequestForm {
		title = "form.request.short"
	}
	d := model.Dialog{
		CallbackId:  string(f.Kind),
		Title:       truncateBytes(a.say(f.Lang, title), model.DialogTitleMaxLength),
		SubmitLabel: a.say(f.Lang, "form.submit"),
	}
	if f.Kind == bot.RequestForm {
		sel := model.DialogElement{
			DisplayName: truncateBytes(a.say(f.Lang, "form.field.type"), model.DialogElementDisplayNameMaxLength),
			HelpText:    truncateBytes(a.say(f.Lang, "option.type"), model.DialogElementHelpTextMaxLength),
			Name:        "type",
			Type:        "select",
			Default:     string(f.Type),
		}
		for _, t := range bot.RequestTypes {
			sel.Options = append(sel.Options, &model.PostActionOptions{Text: a.say(f.Lang, "type."+string(t)), Value: string(t)})
		}
		d.Elements = append(d.Elements, sel)
	}
	for _, fl := range f.Fields {
		e := model.DialogElement{
			DisplayName: truncateBytes(a.cat.Text(f.Lang, fl.Label, st), model.DialogElementDisplayNameMaxLength),
			Name:        fl.Name,
			Type:        "text",
			HelpText:    truncateBytes(a.cat.Text(f.Lang, fl.Help, st), model.DialogElementHelpTextMaxLength),
			Optional:    !fl.Required,
			MaxLength:   fl.MaxLen,
		}
		if fl.Required {
			e.MinLength = 1
		}
		if fl.Long || fl.MaxLen > model.DialogElementTextMaxLength {
			e.Type = "textarea"
		}
		d.Elements = append(d.Elements, e)
	}
	return d, cuts
}

// serveDialog handles a submitted dialog. Mattermost sends no token with
// it: the signed state says who may submit which form. A state that is
// forged, expired, already used, or for someone else is refused (logged)
// with form.expired; bad fields come back as errors on those fields.
func (a *Adapter) serveDialog(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req model.SubmitDialogRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	if req.Cancelled {
		w.WriteHeader(http.StatusOK)
		return
	}
	if !model.IsValidId(req.UserId) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// Nothing in an unverified submission may make the bot call
	// Mattermost: the state is checked first, and a refusal is worded
	// from what the helpdesk already knows of the person.
	st, err := a.verify(req.State)
	switch {
	case err != nil:
	case st.User != req.UserId:
		err = errors.New("state of another user")
	case string(st.Kind) != req.CallbackId:
		err = errors.New("state of another form")
	case time.Now().Unix() > st.Expires:
		err = errors.New("expired")
	case !a.claim(st):
		err = errors.New("already submitted")
	}
	if err == nil {
		// A verified submission's answer is an acknowledgement like a
		// command's.
		defer func() { a.opt.Metrics.Acked(time.Since(start)) }()
	}
	if err != nil {
		a.refused("dialog submission refused", "user", req.UserId, "callback", logValue(req.CallbackId), "remote", r.RemoteAddr, "why", err)
		locale := ""
		if u := a.cachedUser(req.UserId); u != nil {
			locale = u.Locale
		}
		lang := a.svc.LangOf(ctx, userID(req.UserId), locale)
		writeJSON(w, &model.SubmitDialogResponse{Error: a.say(lang, "form.expired", "cmd", bot.C("/"+Trigger+" "+string(bot.RequestForm)))})
		return
	}
	inv := a.invocation(ctx, req.UserId, "")
	lang := a.svc.LangOf(ctx, inv.User, inv.Locale)
	// The state's nonce names the dialog: replayed, even after a restart
	// (when the in-memory claim is gone), it opens no second case.
	sub := bot.Submission{Kind: st.Kind, Type: st.Type, Values: map[string]string{}, Key: "mattermost/" + st.Nonce}
	for k, v := range req.Submission {
		switch v := v.(type) {
		case string:
			sub.Values[k] = v
		case nil:
		default:
			sub.Values[k] = fmt.Sprint(v)
		}
	}
	if t := sub.Values["type"]; st.Kind == bot.RequestForm && t != "" {
		sub.Type = bot.RequestType(t)
	}
	resp := a.svc.Submit(ctx, inv, sub)
	if len(resp.FieldErrors) > 0 {
		errs := map[string]string{}
		for k, t := range resp.FieldErrors {
			errs[k] = a.cat.Text(lang, t, a.style(nil))
		}
		a.release(st) // the dialog stays open for the person to correct it
		writeJSON(w, &model.SubmitDialogResponse{Errors: errs})
		return
	}
	// A reply that is not a confirmation (a refusal, a failure) is shown
	// on the dialog, which stays open: the state may be used again.
	if resp.Result != bot.Answered && resp.Reply != nil {
		a.release(st)
		text := a.render(*resp.Reply)
		if resp.Refusal != nil && resp.Refusal.Field == "type" {
			writeJSON(w, &model.SubmitDialogResponse{Errors: map[string]string{"type": text}})
			return
		}
		writeJSON(w, &model.SubmitDialogResponse{Error: text})
		return
	}
	// The core confirms an opened case by direct message. The volunteer's
	// thanks go the same way, since a bot may not post ephemeral messages.
	if resp.Reply != nil && st.Kind == bot.VolunteerForm {
		a.background(ctx, func(ctx context.Context) { a.dmReply(ctx, inv.User, *resp.Reply) })
	}
	w.WriteHeader(http.StatusOK)
}

// background runs fn after the callback has been answered, until Run
// ends (Run waits for it); without Run, it is not cut off by the request.
func (a *Adapter) background(req context.Context, fn func(context.Context)) {
	a.mu.Lock()
	ctx := a.life
	if ctx == nil {
		ctx = context.WithoutCancel(req)
	} else if ctx.Err() != nil {
		a.mu.Unlock()
		return
	}
	a.bg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.bg.Done()
		fn(ctx)
	}()
}

// dmReply sends a reply to the person privately.
func (a *Adapter) dmReply(ctx context.Context, user bot.UserID, m bot.Message) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := a.Post(ctx, bot.Place{Kind: bot.InDirect, User: user}, m); err != nil {
		a.log.Warn("direct reply", "user", user, "err", err)
	}
}

// claim takes a state for one submission; false when it was submitted
// before (a replay). Expired states are forgotten: they are refused anyway.
func (a *Adapter) claim(st state) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for n, exp := range a.usedStates {
		if now.After(exp) {
			delete(a.usedStates, n)
		}
	}
	if _, ok := a.usedStates[st.Nonce]; ok {
		return false
	}
	a.usedStates[st.Nonce] = time.Unix(st.Expires, 0)
	return true
}

// release gives a state back: the submission was not taken.
func (a *Adapter) release(st state) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.usedStates, st.Nonce)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		// The connection is gone; Mattermost will show a timeout.
		return
	}
}
