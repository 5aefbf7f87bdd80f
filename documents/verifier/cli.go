package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const usage = `verifier: check documents shared from satupintu

  verifier sync  -server URL -dir DIR [-lists 1,2]
      keep the issuer's keys and status lists in DIR, for checks with no network
  verifier check [-server URL] [-dir DIR] [-offline] [-purpose P] [-claims a,b]
                 (-code CODE | -link URL | -qr FILE.png | -presentation SD-JWT)
      a code or link is redeemed once through the verify API, as the registered
      verifier named by VERIFIER_ID with VERIFIER_SECRET (from the environment,
      so the secret stays out of the shell history); a QR carries a link or, for
      a counter with no network, the presentation itself; -offline uses DIR only

The result is JSON on stdout. Exit status: 0 valid, 1 not valid or refused,
2 the check could not be made (usage, network, no fresh status list).
`

// Main runs the verifier command line; it returns the exit status.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("verifier "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "satupintu's public URL (a link names its own)")
	dir := fs.String("dir", "", "directory of the cached issuer keys and status lists")
	offline := fs.Bool("offline", false, "use the cache only: no network")
	lists := fs.String("lists", "1", "sync: the status lists to keep (numbers or URIs)")
	purpose := fs.String("purpose", "", "check: why you verify, one of your registered purposes")
	claims := fs.String("claims", "", "check: the claims you want, comma-separated (all that were shared when empty)")
	code := fs.String("code", "", "check: a one-time code")
	link := fs.String("link", "", "check: a share link")
	qr := fs.String("qr", "", "check: a PNG of the QR code")
	pres := fs.String("presentation", "", "check: a presentation (SD-JWT)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "verifier:", err)
		return 2
	}
	client := &Client{BaseURL: *server}
	src := Source{Client: client, Cache: Cache{Dir: *dir}, Offline: *offline}
	switch args[0] {
	case "sync":
		if *server == "" || *dir == "" {
			return fail(errors.New("sync needs -server and -dir"))
		}
		if err := src.Sync(ctx, splitList(*lists)); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "{\"synced\": %q}\n", *dir)
		return 0
	case "check":
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}

	presentation := *pres
	if *qr != "" {
		png, err := os.ReadFile(*qr)
		if err != nil {
			return fail(err)
		}
		text, err := ReadQR(png)
		if err != nil {
			return fail(err)
		}
		if IsPresentation(text) {
			presentation = text
		} else {
			*link = text
		}
	}
	if *link != "" {
		srv, c, err := CodeFromLink(*link)
		if err != nil {
			return fail(err)
		}
		if client.BaseURL == "" {
			client.BaseURL = srv
		}
		*code = c
	}
	if *code != "" {
		if *offline {
			return fail(errors.New("a code is redeemed online: with no network, ask for the offline QR"))
		}
		if client.BaseURL == "" || *purpose == "" {
			return fail(errors.New("redeeming a code needs -server (or a link) and -purpose"))
		}
		cr := Credentials{ID: getenv("VERIFIER_ID"), Secret: getenv("VERIFIER_SECRET")}
		if cr.ID == "" || cr.Secret == "" {
			return fail(errors.New("set VERIFIER_ID and VERIFIER_SECRET (your registration)"))
		}
		r, err := client.Redeem(ctx, cr, *code, *purpose, splitList(*claims))
		var refused *Refused
		if errors.As(err, &refused) {
			writeResult(stdout, Result{Status: refused.Code, Reason: refused.Message})
			return 1
		}
		if err != nil {
			return fail(err)
		}
		presentation = r.Presentation
	}
	if presentation == "" {
		return fail(errors.New("give one of -code, -link, -qr or -presentation"))
	}
	if client.BaseURL == "" && !*offline {
		// The issuer is in the presentation; its metadata is at its iss.
		if iss, err := issuerOf(presentation); err == nil {
			client.BaseURL = iss
		}
	}
	res, err := src.Check(ctx, presentation)
	if err != nil {
		return fail(err)
	}
	writeResult(stdout, res)
	if !res.Valid {
		return 1
	}
	return 0
}

func writeResult(w io.Writer, r Result) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(r)
}

// issuerOf reads iss from a presentation without verifying it (the check
// does).
func issuerOf(presentation string) (string, error) {
	parts := strings.Split(strings.Split(presentation, "~")[0], ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWT")
	}
	raw, err := decodeSegment(parts[1])
	if err != nil {
		return "", err
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Iss == "" {
		return "", errors.New("no iss")
	}
	return c.Iss, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
