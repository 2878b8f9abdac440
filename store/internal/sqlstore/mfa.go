package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// factorRow is a row of accountapi_mfa_factors: the members common to every
// factor, then typed columns for TOTP and WebAuthn (NULL for other types).
// Backup codes live in accountapi_backup_codes.
type factorRow struct {
	bun.BaseModel `bun:"table:accountapi_mfa_factors,alias:f"`

	ID         string `bun:"id,pk"`
	UserID     string `bun:"user_id"`
	Type       string `bun:"type"`
	CreatedAt  int64  `bun:"created_at"`
	LastUsedAt *int64 `bun:"last_used_at"`

	TOTPSecret       *string `bun:"totp_secret"`
	TOTPLastUsedStep *int64  `bun:"totp_last_used_step"`

	RPID            *string `bun:"webauthn_rp_id"`
	CredentialID    []byte  `bun:"webauthn_credential_id"`
	PublicKey       []byte  `bun:"webauthn_public_key"`
	SignCount       *int64  `bun:"webauthn_sign_count"`
	Transports      *string `bun:"webauthn_transports"`
	AAGUID          []byte  `bun:"webauthn_aaguid"`
	AttestationType *string `bun:"webauthn_attestation_type"`
	Agent           *string `bun:"webauthn_agent"`
	Name            *string `bun:"webauthn_name"`
	BackupEligible  *bool   `bun:"webauthn_backup_eligible"`
	BackupState     *bool   `bun:"webauthn_backup_state"`
}

// backupCodeRow is a row of accountapi_backup_codes; Index is the code's
// position in MFAFactor.BackupCodes.
type backupCodeRow struct {
	bun.BaseModel `bun:"table:accountapi_backup_codes,alias:c"`

	FactorID string `bun:"factor_id,pk"`
	Index    int    `bun:"idx,pk"`
	Code     string `bun:"code"`
	UsedAt   *int64 `bun:"used_at"`
}

func newFactorRows(f *store.MFAFactor) (*factorRow, []backupCodeRow, error) {
	row := &factorRow{
		ID:         f.ID,
		UserID:     f.UserID,
		Type:       string(f.Type),
		CreatedAt:  millis(f.CreatedAt),
		LastUsedAt: nullMillis(f.LastUsedAt),
	}
	var codes []backupCodeRow
	switch f.Type {
	case store.FactorTOTP:
		if f.TOTP == nil {
			return nil, nil, fmt.Errorf("TOTP factor %q without TOTP", f.ID)
		}
		step := f.TOTP.LastUsedStep
		row.TOTPSecret, row.TOTPLastUsedStep = &f.TOTP.Secret, &step
	case store.FactorWebAuthn:
		w := f.WebAuthn
		if w == nil {
			return nil, nil, fmt.Errorf("WebAuthn factor %q without WebAuthn", f.ID)
		}
		signCount := int64(w.SignCount)
		var transports *string
		if len(w.Transports) > 0 {
			s, err := toJSON(w.Transports)
			if err != nil {
				return nil, nil, err
			}
			transports = &s
		}
		row.RPID = &w.RPID
		row.CredentialID = w.CredentialID
		row.PublicKey = w.PublicKey
		row.SignCount = &signCount
		row.Transports = transports
		row.AAGUID = w.AAGUID
		row.AttestationType = &w.AttestationType
		row.Agent = &w.Agent
		row.Name = w.Name
		row.BackupEligible = &w.BackupEligible
		row.BackupState = &w.BackupState
	case store.FactorBackupCode:
		codes = make([]backupCodeRow, len(f.BackupCodes))
		for i, c := range f.BackupCodes {
			codes[i] = backupCodeRow{FactorID: f.ID, Index: i, Code: c.Code, UsedAt: nullMillis(c.UsedAt)}
		}
	default:
		return nil, nil, fmt.Errorf("factor %q of unknown type %q", f.ID, f.Type)
	}
	return row, codes, nil
}

func (r *factorRow) factor(codes []backupCodeRow) (*store.MFAFactor, error) {
	f := &store.MFAFactor{
		ID:         r.ID,
		UserID:     r.UserID,
		Type:       store.FactorType(r.Type),
		CreatedAt:  fromMillis(r.CreatedAt),
		LastUsedAt: fromNullMillis(r.LastUsedAt),
	}
	switch f.Type {
	case store.FactorTOTP:
		f.TOTP = &store.TOTP{Secret: deref(r.TOTPSecret)}
		if r.TOTPLastUsedStep != nil {
			f.TOTP.LastUsedStep = *r.TOTPLastUsedStep
		}
	case store.FactorWebAuthn:
		w := &store.WebAuthnCredential{
			RPID:            deref(r.RPID),
			CredentialID:    nilIfEmpty(r.CredentialID),
			PublicKey:       nilIfEmpty(r.PublicKey),
			AAGUID:          nilIfEmpty(r.AAGUID),
			AttestationType: deref(r.AttestationType),
			Agent:           deref(r.Agent),
			Name:            r.Name,
			BackupEligible:  r.BackupEligible != nil && *r.BackupEligible,
			BackupState:     r.BackupState != nil && *r.BackupState,
		}
		if r.SignCount != nil {
			w.SignCount = uint32(*r.SignCount)
		}
		if r.Transports != nil {
			if err := fromJSON(*r.Transports, &w.Transports); err != nil {
				return nil, err
			}
		}
		f.WebAuthn = w
	case store.FactorBackupCode:
		for _, c := range codes {
			f.BackupCodes = append(f.BackupCodes, store.BackupCode{Code: c.Code, UsedAt: fromNullMillis(c.UsedAt)})
		}
	}
	return f, nil
}

// CreateMFAFactor implements store.MFAFactors.
func (s *Store) CreateMFAFactor(ctx context.Context, f *store.MFAFactor) error {
	row, codes, err := newFactorRows(f)
	if err != nil {
		return s.wrap("create MFA factor", err)
	}
	return s.unit(ctx, "create MFA factor", len(codes) == 0, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			return err
		}
		if len(codes) > 0 {
			if _, err := db.NewInsert().Model(&codes).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListMFAFactors implements store.MFAFactors.
func (s *Store) ListMFAFactors(ctx context.Context, userID string) ([]store.MFAFactor, error) {
	const op = "list MFA factors"
	var rows []factorRow
	if err := s.db.NewSelect().Model(&rows).Where("f.user_id = ?", userID).OrderExpr("f.created_at, f.id").Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	codes, err := s.backupCodes(ctx, rows)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	factors := make([]store.MFAFactor, 0, len(rows))
	for i := range rows {
		f, err := rows[i].factor(codes[rows[i].ID])
		if err != nil {
			return nil, s.wrap(op, err)
		}
		factors = append(factors, *f)
	}
	return factors, nil
}

// GetMFAFactor implements store.MFAFactors.
func (s *Store) GetMFAFactor(ctx context.Context, userID, id string) (*store.MFAFactor, error) {
	return s.findFactor(ctx, "get MFA factor", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("f.id = ? AND f.user_id = ?", id, userID)
	})
}

// FindWebAuthnCredential implements store.MFAFactors.
func (s *Store) FindWebAuthnCredential(ctx context.Context, credentialID []byte) (*store.MFAFactor, error) {
	if len(credentialID) == 0 {
		return nil, store.ErrNotFound
	}
	return s.findFactor(ctx, "find WebAuthn credential", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("f.webauthn_credential_id = ? AND f.type = ?", credentialID, store.FactorWebAuthn)
	})
}

func (s *Store) findFactor(ctx context.Context, op string, where func(*bun.SelectQuery) *bun.SelectQuery) (*store.MFAFactor, error) {
	rows := make([]factorRow, 0, 1)
	if err := where(s.db.NewSelect().Model(&rows)).Limit(1).Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	if len(rows) == 0 {
		return nil, store.ErrNotFound
	}
	codes, err := s.backupCodes(ctx, rows)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	f, err := rows[0].factor(codes[rows[0].ID])
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return f, nil
}

// backupCodes loads the codes of the backup-code factors among rows, by
// factor id, in index order: one query.
func (s *Store) backupCodes(ctx context.Context, rows []factorRow) (map[string][]backupCodeRow, error) {
	var ids []string
	for _, r := range rows {
		if r.Type == string(store.FactorBackupCode) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var codes []backupCodeRow
	if err := s.db.NewSelect().Model(&codes).Where("c.factor_id IN (?)", bun.In(ids)).OrderExpr("c.factor_id, c.idx").Scan(ctx); err != nil {
		return nil, err
	}
	byFactor := make(map[string][]backupCodeRow, len(ids))
	for _, c := range codes {
		byFactor[c.FactorID] = append(byFactor[c.FactorID], c)
	}
	return byFactor, nil
}

// DeleteMFAFactor implements store.MFAFactors; the factor's backup codes go
// with it (ON DELETE CASCADE).
func (s *Store) DeleteMFAFactor(ctx context.Context, userID, id string) error {
	return s.exec(ctx, "delete MFA factor", func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*factorRow)(nil)).Where("id = ? AND user_id = ?", id, userID).Exec(ctx)
		return oneRow(res, err)
	})
}

// RenameWebAuthnCredential implements store.MFAFactors.
func (s *Store) RenameWebAuthnCredential(ctx context.Context, userID, id string, name *string) error {
	return s.exec(ctx, "rename WebAuthn credential", func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*factorRow)(nil)).
			Set("webauthn_name = ?", name).
			Where("id = ? AND user_id = ? AND type = ?", id, userID, store.FactorWebAuthn).
			Exec(ctx)
		return oneRow(res, err)
	})
}

// UseTOTPStep implements store.MFAFactors with one conditional UPDATE; when
// it changes nothing, a second query tells a used step (ErrConflict) from a
// missing factor (ErrNotFound).
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64, at time.Time) error {
	const op = "use TOTP step"
	var n int64
	err := s.exec(ctx, op, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*factorRow)(nil)).
			Set("totp_last_used_step = ?", step).
			Set("last_used_at = ?", millis(at)).
			Where("id = ? AND type = ? AND totp_last_used_step < ?", id, store.FactorTOTP, step).
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil || n > 0 {
		return err
	}
	return s.conflictOrNotFound(ctx, op, store.FactorTOTP, id)
}

// UpdateSignCount implements store.MFAFactors as a compare-and-set on
// webauthn_sign_count.
func (s *Store) UpdateSignCount(ctx context.Context, id string, prev, next uint32, at time.Time) error {
	const op = "update sign count"
	var n int64
	err := s.exec(ctx, op, func(db bun.IDB) error {
		res, err := db.NewUpdate().Model((*factorRow)(nil)).
			Set("webauthn_sign_count = ?", int64(next)).
			Set("last_used_at = ?", millis(at)).
			Where("id = ? AND type = ? AND webauthn_sign_count = ?", id, store.FactorWebAuthn, int64(prev)).
			Exec(ctx)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil || n > 0 {
		return err
	}
	return s.conflictOrNotFound(ctx, op, store.FactorWebAuthn, id)
}

// conflictOrNotFound returns ErrConflict if there is a factor of the type with
// the id, which a conditional update left alone, and ErrNotFound otherwise.
func (s *Store) conflictOrNotFound(ctx context.Context, op string, typ store.FactorType, id string) error {
	exists, err := s.db.NewSelect().Model((*factorRow)(nil)).Where("f.id = ? AND f.type = ?", id, typ).Exists(ctx)
	if err != nil {
		return s.mapErr(op, err)
	}
	if exists {
		return store.ErrConflict
	}
	return store.ErrNotFound
}

// UseBackupCode implements store.MFAFactors: in one transaction, the factor's
// last_used_at is set and a conditional UPDATE on used_at IS NULL marks the
// code; if the code is missing or used, the transaction is rolled back. The
// factor's row is written first, so that this takes its locks in the order a
// cascading delete of the factor does (factor, then codes) and the two cannot
// deadlock on PostgreSQL.
func (s *Store) UseBackupCode(ctx context.Context, id string, index int, at time.Time) error {
	ms := millis(at)
	return s.unit(ctx, "use backup code", false, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*factorRow)(nil)).
			Set("last_used_at = ?", ms).
			Where("id = ? AND type = ?", id, store.FactorBackupCode).
			Exec(ctx)
		if err := oneRow(res, err); err != nil {
			return err
		}
		res, err = db.NewUpdate().Model((*backupCodeRow)(nil)).
			Set("used_at = ?", ms).
			Where("factor_id = ? AND idx = ? AND used_at IS NULL", id, index).
			Exec(ctx)
		return oneRow(res, err)
	})
}
