// Package bpjs is the BPJS Kesehatan adapter: JKN membership from VClaim
// (participant by NIK) and, for inactive members, premium arrears from PCare
// (participant by card number). Both services sit behind one gateway: the
// agency client's base URL is the gateway (e.g. https://apijkn…), and the
// paths name the service (/vclaim-rest/…, /pcare-rest/…).
package bpjs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

var _ readmodel.Insurance = (*Client)(nil)

// Config holds the BPJS credentials.
type Config struct {
	ConsID        string // X-cons-id
	Secret        string // consumer secret: signs requests and keys the responses
	UserKey       string // user_key
	PCareUser     string // PCare X-authorization user
	PCarePassword string // PCare X-authorization password
}

// Validate names every missing field at once.
func (c Config) Validate() error {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"ConsID", c.ConsID}, {"Secret", c.Secret}, {"UserKey", c.UserKey},
		{"PCareUser", c.PCareUser}, {"PCarePassword", c.PCarePassword},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("bpjs: %s is required", f.name))
		}
	}
	return errors.Join(errs...)
}

// String keeps the secrets out of logs.
func (c Config) String() string {
	return fmt.Sprintf("bpjs.Config{ConsID:%s Secret:*** UserKey:*** PCareUser:%s PCarePassword:***}", c.ConsID, c.PCareUser)
}

// Client reads JKN memberships.
type Client struct {
	api *agency.Client
	cfg Config
	now func() time.Time
}

// New builds the adapter over the BPJS agency client. cfg must be valid
// (see Config.Validate).
func New(c *agency.Client, cfg Config) *Client {
	return &Client{api: c, cfg: cfg, now: time.Now}
}

// Membership returns the citizen's JKN membership, or nil when BPJS does not
// know the NIK.
//
// PCare is asked for the arrears only when the membership is not active: an
// active member's Arrears are left 0 even if PCare would report some, so
// that the home screen of a member in good standing costs one BPJS call.
// When that second call fails the whole read fails (and a cached membership
// may be served stale): showing an inactive member no arrears would mislead.
func (c *Client) Membership(ctx context.Context, nik sp.NIK) (*readmodel.Membership, error) {
	if err := agency.CheckNIK(nik); err != nil {
		return nil, err
	}
	return agency.Read(ctx, c.api, agency.Key{Citizen: nik, Kind: "membership"}, func(ctx context.Context) (*readmodel.Membership, error) {
		return c.fetch(ctx, nik)
	})
}

func (c *Client) fetch(ctx context.Context, nik sp.NIK) (*readmodel.Membership, error) {
	var v struct {
		Peserta *vclaimPeserta `json:"peserta"`
	}
	tglSEP := sp.DateOf(c.now()).String()
	found, err := c.get(ctx, "/vclaim-rest/Peserta/nik/"+string(nik)+"/tglSEP/"+tglSEP, false, &v)
	if err != nil || !found {
		return nil, err
	}
	p := v.Peserta
	if p == nil {
		return nil, c.api.BadResponse("no peserta in the answer", nil)
	}
	if p.NIK != string(nik) {
		// Never show one citizen another's data.
		return nil, c.api.BadResponse("the answer is about another participant", nil)
	}
	m, err := p.membership()
	if err != nil {
		return nil, c.api.BadResponse("participant fields", err)
	}
	if !m.Active() {
		if m.Arrears, err = c.arrears(ctx, m.CardNumber); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// arrears reads PCare's tunggakan of a card.
func (c *Client) arrears(ctx context.Context, card string) (int64, error) {
	if len(card) != 13 || strings.Trim(card, "0123456789") != "" {
		return 0, c.api.BadResponse("noKartu is not 13 digits", nil)
	}
	var p pcarePeserta
	found, err := c.get(ctx, "/pcare-rest/peserta/"+card, true, &p)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, c.api.BadResponse("PCare does not know the card VClaim returned", nil)
	}
	if p.NoKartu != card {
		return 0, c.api.BadResponse("PCare answered about another card", nil)
	}
	if p.Tunggakan < 0 {
		return 0, c.api.BadResponse("negative tunggakan", nil)
	}
	return int64(p.Tunggakan), nil
}

// vclaimPeserta is the part of VClaim's participant this adapter reads.
type vclaimPeserta struct {
	NIK           string     `json:"nik"`
	NoKartu       string     `json:"noKartu"`
	HakKelas      vclaimCode `json:"hakKelas"`
	JenisPeserta  vclaimCode `json:"jenisPeserta"`
	StatusPeserta vclaimCode `json:"statusPeserta"`
	ProvUmum      struct {
		KdProvider string `json:"kdProvider"`
		NmProvider string `json:"nmProvider"`
	} `json:"provUmum"`
	TglTMT string `json:"tglTMT"`
	TglTAT string `json:"tglTAT"`
}

type vclaimCode struct {
	Kode       string `json:"kode"`
	Keterangan string `json:"keterangan"`
}

func (c vclaimCode) coded() readmodel.Coded {
	return readmodel.Coded{Code: c.Kode, Label: c.Keterangan}
}

func (p *vclaimPeserta) membership() (*readmodel.Membership, error) {
	if p.StatusPeserta.Kode == "" {
		return nil, errors.New("statusPeserta.kode is empty")
	}
	start, err := optionalDate(p.TglTMT)
	if err != nil {
		return nil, fmt.Errorf("tglTMT: %w", err)
	}
	end, err := optionalDate(p.TglTAT)
	if err != nil {
		return nil, fmt.Errorf("tglTAT: %w", err)
	}
	return &readmodel.Membership{
		CardNumber:      p.NoKartu,
		Class:           p.HakKelas.coded(),
		ParticipantType: p.JenisPeserta.coded(),
		Status:          p.StatusPeserta.coded(),
		PrimaryClinic:   readmodel.Coded{Code: p.ProvUmum.KdProvider, Label: p.ProvUmum.NmProvider},
		CoverageStart:   start,
		CoverageEnd:     end,
	}, nil
}

func optionalDate(s string) (sp.Date, error) {
	if s == "" {
		return sp.Date{}, nil
	}
	return sp.ParseDate(s)
}

// pcarePeserta is the part of PCare's participant this adapter reads.
type pcarePeserta struct {
	NoKartu   string  `json:"noKartu"`
	Aktif     bool    `json:"aktif"`
	Tunggakan float64 `json:"tunggakan"`
}

// metaCode is metaData.code: a string in VClaim, a number in PCare.
type metaCode string

func (m *metaCode) UnmarshalJSON(b []byte) error {
	s := string(b)
	if u, err := strconv.Unquote(s); err == nil {
		s = u
	} else if _, err := strconv.Atoi(s); err != nil {
		return fmt.Errorf("metaData.code %s is neither a string nor a number", s)
	}
	*m = metaCode(s)
	return nil
}

// envelope is every BPJS answer: metaData, and the encrypted response.
type envelope struct {
	MetaData struct {
		Code    metaCode `json:"code"`
		Message string   `json:"message"`
	} `json:"metaData"`
	Response json.RawMessage `json:"response"`
}

// get makes one signed call and decrypts its answer into v. It returns
// false for BPJS's "not found" (VClaim 201, PCare 204).
func (c *Client) get(ctx context.Context, path string, pcare bool, v any) (bool, error) {
	req, err := c.api.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return false, err
	}
	timestamp := strconv.FormatInt(c.now().Unix(), 10)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-cons-id", c.cfg.ConsID)
	req.Header.Set("X-timestamp", timestamp)
	req.Header.Set("X-signature", sign(c.cfg.ConsID, c.cfg.Secret, timestamp))
	req.Header.Set("user_key", c.cfg.UserKey)
	if pcare {
		basic := c.cfg.PCareUser + ":" + c.cfg.PCarePassword + ":" + pcareApp
		req.Header.Set("X-authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
	}

	resp, err := c.api.Do(req)
	if err != nil {
		return false, err
	}
	if resp.StatusCode != http.StatusOK {
		return false, c.api.StatusError(resp)
	}
	var env envelope
	if err := c.api.DecodeJSON(resp, &env); err != nil {
		return false, err
	}
	switch code := env.MetaData.Code; code {
	case "200":
	case "201", "204":
		return false, nil
	case "401":
		return false, c.api.Rejected("metaData code 401", fmt.Errorf("bpjs said %q", env.MetaData.Message))
	default:
		return false, c.api.BadResponse(fmt.Sprintf("metaData code %q", code), fmt.Errorf("bpjs said %q", env.MetaData.Message))
	}
	var sealed string
	if err := json.Unmarshal(env.Response, &sealed); err != nil || sealed == "" {
		return false, c.api.BadResponse("code 200 without an encrypted response", err)
	}
	// The answer is keyed with the timestamp this request was signed with.
	plain, err := decrypt(responseKey(c.cfg.ConsID, c.cfg.Secret, timestamp), sealed)
	if err != nil {
		return false, c.api.BadResponse("response does not decrypt", err)
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return false, c.api.BadResponse("decrypted response is not the expected JSON", err)
	}
	return true, nil
}

// pcareApp is the application code PCare expects after user:password.
const pcareApp = "095"

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (c *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return c.api.Forget(ctx, nik, "membership")
}
