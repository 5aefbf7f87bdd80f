package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/satupintu/satupintu/server"
)

// runOutbox is `satupintu outbox list|replay`: the forwards parked after
// the give-up age, read and replayed through the running server's admin
// endpoints (so it works for the memory store too).
func runOutbox(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8080", "the running satupintu")
	name := fs.String("queue", "forwards", "the queue: forwards (the outbox), changes, pushes or polls")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: satupintu outbox [-url URL] [-queue NAME] list | replay ID... | replay -all")
		fmt.Fprintln(stderr, "The operator token is read from SATUPINTU_ADMIN_TOKEN.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := adminClient{base: strings.TrimRight(*base, "/"), token: getenv("SATUPINTU_ADMIN_TOKEN"), queue: url.PathEscape(*name)}
	switch cmd := fs.Arg(0); cmd {
	case "list":
		jobs, err := c.list(ctx)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			fmt.Fprintf(stdout, "no dead letters in %s\n", *name)
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKEY\tKIND\tATTEMPTS\tENQUEUED\tLAST ERROR")
		for _, j := range jobs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Key, j.Kind, j.Attempts, j.EnqueuedAt.Format(time.RFC3339), j.LastError)
		}
		return tw.Flush()
	case "replay":
		ids := fs.Args()[1:]
		if len(ids) == 1 && ids[0] == "-all" {
			jobs, err := c.list(ctx)
			if err != nil {
				return err
			}
			ids = ids[:0]
			for _, j := range jobs {
				ids = append(ids, j.ID)
			}
		}
		if len(ids) == 0 {
			fs.Usage()
			return fmt.Errorf("replay needs job ids (see: satupintu outbox list) or -all")
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
		return fmt.Errorf("unknown outbox command %q", cmd)
	}
}

type adminClient struct {
	base, token, queue string
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
		return fmt.Errorf("reaching satupintu at %s: %w", c.base, err)
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
