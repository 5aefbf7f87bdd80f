package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/satupintu/satupintu/server"
)

// parseWords parses fs's flags wherever they stand among args and
// returns the other words in order. flag stops at the first argument that
// is not a flag: parse again after each one, so `outbox list -url …` means
// what it says.
func parseWords(fs *flag.FlagSet, args []string) (words []string, err error) {
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		if rest = fs.Args(); len(rest) == 0 {
			return words, nil
		}
		words, rest = append(words, rest[0]), rest[1:]
	}
}

// outboxUsage is the command line of `satupintu outbox`; flags go before
// or after the command.
const outboxUsage = "usage: satupintu outbox [-url URL] [-queue NAME] list | replay ID... | replay -all"

// runOutbox is `satupintu outbox list|replay`: the forwards parked after
// the give-up age, read and replayed through the running server's admin
// endpoints (so it works for the memory store too). Without -url it calls
// the server this environment would start: SATUPINTU_ADDR, on loopback
// when that names every interface.
func runOutbox(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running satupintu (default: http://<SATUPINTU_ADDR>, loopback for a wildcard host)")
	name := fs.String("queue", "forwards", "the queue: forwards (the outbox), changes, pushes or polls")
	all := fs.Bool("all", false, "replay: every parked job")
	fs.Usage = func() {
		fmt.Fprintln(stderr, outboxUsage)
		fmt.Fprintln(stderr, "The operator token is read from SATUPINTU_ADMIN_TOKEN.")
		fs.PrintDefaults()
	}
	words, err := parseWords(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return fmt.Errorf("outbox: %w (%s)", err, outboxUsage)
	}
	if len(words) == 0 {
		fs.Usage()
		return errors.New("outbox: say list or replay")
	}
	c, err := newAdminClient(*base, getenv)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	c.queue = url.PathEscape(*name)
	switch cmd, ids := words[0], words[1:]; {
	case cmd == "list" && len(ids) == 0 && !*all:
		jobs, err := c.list(ctx)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			fmt.Fprintf(stdout, "nothing parked in %s\n", *name)
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKEY\tKIND\tATTEMPTS\tENQUEUED\tLAST ERROR")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Key, j.Kind, j.Attempts, j.EnqueuedAt.Format(time.RFC3339), j.LastError)
		}
		return tw.Flush()
	case cmd == "list":
		return fmt.Errorf("outbox list takes no job ids and no -all (%s)", outboxUsage)
	case cmd == "replay" && *all == (len(ids) > 0):
		return fmt.Errorf("outbox replay needs job ids (see: satupintu outbox list) or -all, not both (%s)", outboxUsage)
	case cmd == "replay":
		if *all {
			jobs, err := c.list(ctx)
			if err != nil {
				return err
			}
			if len(jobs) == 0 {
				fmt.Fprintf(stdout, "nothing parked in %s\n", *name)
				return nil
			}
			for _, j := range jobs {
				if err := c.replay(ctx, j.ID); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "replayed %s (job %s)\n", j.Key, j.ID)
			}
			return nil
		}
		for _, id := range ids {
			if err := c.replay(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "replayed %s\n", id)
		}
		return nil
	default:
		fs.Usage()
		return fmt.Errorf("unknown outbox command %q (%s)", cmd, outboxUsage)
	}
}

// serverURL is where a client reaches a server listening on addr
// (SATUPINTU_ADDR, the default when empty): a wildcard or empty host
// becomes the loopback address.
func serverURL(addr string) (string, error) {
	if addr = strings.TrimSpace(addr); addr == "" {
		addr = defaultConfig().Addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("SATUPINTU_ADDR=%q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

type adminClient struct {
	base, token, queue string
}

// newAdminClient calls the running server at base, or, when base is
// empty, at the one this environment would start (serverURL), with the
// operator token from SATUPINTU_ADMIN_TOKEN.
func newAdminClient(base string, getenv func(string) string) (adminClient, error) {
	if base == "" {
		u, err := serverURL(getenv("SATUPINTU_ADDR"))
		if err != nil {
			return adminClient{}, fmt.Errorf("%w; or give -url", err)
		}
		base = u
	}
	return adminClient{base: strings.TrimRight(base, "/"), token: getenv("SATUPINTU_ADMIN_TOKEN")}, nil
}

func (c adminClient) list(ctx context.Context) ([]server.ParkedJob, error) {
	var jobs []server.ParkedJob
	return jobs, c.do(ctx, http.MethodGet, "/admin/queues/"+c.queue+"/dead?limit=10000", &jobs)
}

func (c adminClient) replay(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/admin/queues/"+c.queue+"/dead/"+url.PathEscape(id)+"/replay", nil)
}

func (c adminClient) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reaching satupintu at %s (-url, or SATUPINTU_ADDR): %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
