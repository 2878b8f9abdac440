package sqlstore

import (
	"context"
	"errors"
	"slices"

	"github.com/uptrace/bun"

	"github.com/accountapi/accountapi/store"
)

// userRow is a row of accountapi_users. "" is NULL for the identifiers, the
// password digest and algorithm and the application id (nullzero), so that
// the unique indexes ignore users without one.
type userRow struct {
	bun.BaseModel `bun:"table:accountapi_users,alias:u"`

	ID                string  `bun:"id,pk"`
	Username          string  `bun:"username,nullzero"`
	PrimaryEmail      string  `bun:"primary_email,nullzero"`
	EmailKey          string  `bun:"email_key,nullzero"`
	PrimaryPhone      string  `bun:"primary_phone,nullzero"`
	PhoneKey          string  `bun:"phone_key,nullzero"`
	Name              *string `bun:"name"`
	Avatar            *string `bun:"avatar"`
	Profile           string  `bun:"profile"`
	CustomData        string  `bun:"custom_data"`
	LogtoConfig       string  `bun:"logto_config"`
	PasswordDigest    string  `bun:"password_digest,nullzero"`
	PasswordAlgorithm string  `bun:"password_algorithm,nullzero"`
	PasswordUpdatedAt *int64  `bun:"password_updated_at"`
	IsPasswordExpired bool    `bun:"is_password_expired"`
	IsSuspended       bool    `bun:"is_suspended"`
	ApplicationID     string  `bun:"application_id,nullzero"`
	CreatedAt         int64   `bun:"created_at"`
	UpdatedAt         int64   `bun:"updated_at"`
	LastSignInAt      *int64  `bun:"last_sign_in_at"`
}

// identityRow is a row of accountapi_user_identities.
type identityRow struct {
	bun.BaseModel `bun:"table:accountapi_user_identities,alias:i"`

	UserID       string  `bun:"user_id,pk"`
	Target       string  `bun:"target,pk"`
	SocialUserID string  `bun:"social_user_id"`
	Details      *string `bun:"details"`
}

// phoneKey is the stored key of a primary phone: PhoneKey, or NULL for none
// (and for a value without digits, which has no key to be unique under).
func phoneKey(phone string) string {
	if phone == "" {
		return ""
	}
	return store.PhoneKey(phone)
}

// emailKey is the stored key of a primary email: EmailKey, or NULL for none.
func emailKey(email string) string {
	if email == "" {
		return ""
	}
	return store.EmailKey(email)
}

// zeroLogtoConfig is how the zero LogtoConfig is stored, which most users
// have: read back, it is not decoded.
var zeroLogtoConfig = func() string {
	s, err := toJSON(store.LogtoConfig{})
	if err != nil {
		panic(err)
	}
	return s
}()

func newUserRow(u *store.User) (*userRow, error) {
	profile, err := toJSON(u.Profile)
	if err != nil {
		return nil, err
	}
	custom, err := objectJSON(u.CustomData)
	if err != nil {
		return nil, err
	}
	config, err := toJSON(u.LogtoConfig)
	if err != nil {
		return nil, err
	}
	return &userRow{
		ID:                u.ID,
		Username:          u.Username,
		PrimaryEmail:      u.PrimaryEmail,
		EmailKey:          emailKey(u.PrimaryEmail),
		PrimaryPhone:      u.PrimaryPhone,
		PhoneKey:          phoneKey(u.PrimaryPhone),
		Name:              u.Name,
		Avatar:            u.Avatar,
		Profile:           profile,
		CustomData:        custom,
		LogtoConfig:       config,
		PasswordDigest:    u.PasswordDigest,
		PasswordAlgorithm: string(u.PasswordAlgorithm),
		PasswordUpdatedAt: nullMillis(u.PasswordUpdatedAt),
		IsPasswordExpired: u.IsPasswordExpired,
		IsSuspended:       u.IsSuspended,
		ApplicationID:     u.ApplicationID,
		CreatedAt:         millis(u.CreatedAt),
		UpdatedAt:         millis(u.UpdatedAt),
		LastSignInAt:      nullMillis(u.LastSignInAt),
	}, nil
}

func (r *userRow) user(identities []identityRow) (*store.User, error) {
	u := &store.User{
		ID:                r.ID,
		Username:          r.Username,
		PrimaryEmail:      r.PrimaryEmail,
		PrimaryPhone:      r.PrimaryPhone,
		Name:              r.Name,
		Avatar:            r.Avatar,
		PasswordDigest:    r.PasswordDigest,
		PasswordAlgorithm: store.PasswordAlgorithm(r.PasswordAlgorithm),
		PasswordUpdatedAt: fromNullMillis(r.PasswordUpdatedAt),
		IsPasswordExpired: r.IsPasswordExpired,
		IsSuspended:       r.IsSuspended,
		ApplicationID:     r.ApplicationID,
		CreatedAt:         fromMillis(r.CreatedAt),
		UpdatedAt:         fromMillis(r.UpdatedAt),
		LastSignInAt:      fromNullMillis(r.LastSignInAt),
	}
	if err := fromJSON(r.Profile, &u.Profile); err != nil {
		return nil, err
	}
	var err error
	if u.CustomData, err = fromObjectJSON(r.CustomData); err != nil {
		return nil, err
	}
	if r.LogtoConfig != zeroLogtoConfig {
		if err := fromJSON(r.LogtoConfig, &u.LogtoConfig); err != nil {
			return nil, err
		}
	}
	if len(identities) > 0 {
		u.Identities = make(map[string]store.Identity, len(identities))
		for _, i := range identities {
			details, err := fromNullObjectJSON(i.Details)
			if err != nil {
				return nil, err
			}
			u.Identities[i.Target] = store.Identity{UserID: i.SocialUserID, Details: details}
		}
	}
	return u, nil
}

func newIdentityRow(userID, target string, id store.Identity) (*identityRow, error) {
	details, err := nullObjectJSON(id.Details)
	if err != nil {
		return nil, err
	}
	return &identityRow{UserID: userID, Target: target, SocialUserID: id.UserID, Details: details}, nil
}

// CreateUser implements store.Users.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	row, err := newUserRow(u)
	if err != nil {
		return s.wrap("create user", err)
	}
	identities := make([]identityRow, 0, len(u.Identities))
	for _, target := range sortedKeys(u.Identities) {
		r, err := newIdentityRow(u.ID, target, u.Identities[target])
		if err != nil {
			return s.wrap("create user", err)
		}
		identities = append(identities, *r)
	}
	return s.unit(ctx, "create user", len(identities) == 0, func(ctx context.Context, db bun.IDB) error {
		if _, err := db.NewInsert().Model(row).Returning("").Exec(ctx); err != nil {
			return err
		}
		if len(identities) > 0 {
			if _, err := db.NewInsert().Model(&identities).Returning("").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetUser implements store.Users.
func (s *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	return s.readUser(ctx, "get user", "id", id)
}

// LockUser implements store.Users.
func (s *Store) LockUser(ctx context.Context, id string) (*store.User, error) {
	lock := s.tx != nil && s.cfg.Dialect.LockRows
	if !lock {
		return s.readUser(ctx, "lock user", "id", id)
	}
	return s.findUser(ctx, "lock user", lock, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("u.id = ?", id)
	})
}

// FindUserByUsername implements store.Users.
func (s *Store) FindUserByUsername(ctx context.Context, username string) (*store.User, error) {
	if username == "" {
		return nil, store.ErrNotFound
	}
	return s.findUser(ctx, "find user by username", false, func(q *bun.SelectQuery) *bun.SelectQuery {
		if s.cfg.CaseInsensitiveUsernames {
			// Matches the expression of accountapi_users_username_lower_key.
			// Usernames are ASCII by their format, where both engines'
			// lower() agree.
			return q.Where("lower(u.username) = lower(?)", username)
		}
		return q.Where("u.username = ?", username)
	})
}

// FindUserByUsernameFold implements store.Users. The non-unique index
// accountapi_users_username_fold_idx (migration 0003) serves the look-up.
func (s *Store) FindUserByUsernameFold(ctx context.Context, username string) (*store.User, error) {
	if username == "" {
		return nil, store.ErrNotFound
	}
	return s.findUser(ctx, "find user by username ignoring case", false, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("lower(u.username) = lower(?)", username).
			OrderExpr("CASE WHEN u.username = ? THEN 0 ELSE 1 END", username).
			OrderExpr("u.created_at, u.id")
	})
}

// FindUserByEmail implements store.Users.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*store.User, error) {
	key := emailKey(email)
	if key == "" {
		return nil, store.ErrNotFound
	}
	return s.readUser(ctx, "find user by email", "email_key", key)
}

// FindUserByPhone implements store.Users.
func (s *Store) FindUserByPhone(ctx context.Context, phone string) (*store.User, error) {
	key := phoneKey(phone)
	if key == "" {
		return nil, store.ErrNotFound
	}
	return s.readUser(ctx, "find user by phone", "phone_key", key)
}

// FindUserByIdentity implements store.Identities.
func (s *Store) FindUserByIdentity(ctx context.Context, target, socialUserID string) (*store.User, error) {
	return s.findUser(ctx, "find user by identity", false, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("u.id = (SELECT i.user_id FROM accountapi_user_identities AS i WHERE i.target = ? AND i.social_user_id = ?)",
			target, socialUserID)
	})
}

// findUser loads the one user that where selects, with its identities: one
// query for the user (locked FOR UPDATE if lock), one for its identities.
func (s *Store) findUser(ctx context.Context, op string, lock bool, where func(*bun.SelectQuery) *bun.SelectQuery) (*store.User, error) {
	var row userRow
	q := where(s.db.NewSelect().Model(&row)).Limit(1)
	if lock {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	var identities []identityRow
	if err := s.db.NewSelect().Model(&identities).Where("i.user_id = ?", row.ID).Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	u, err := row.user(identities)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return u, nil
}

// UpdateUser implements store.Users.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	row, err := newUserRow(u)
	if err != nil {
		return s.wrap("update user", err)
	}
	return s.unit(ctx, "update user", true, func(ctx context.Context, db bun.IDB) error {
		res, err := s.execOn(ctx, db, s.cfg.userQueries["update"], row.updateArgs()...)
		return oneRow(res, err)
	})
}

// DeleteUser implements store.Users. The foreign keys cascade to everything
// that belongs to the user: identities, MFA factors and their backup codes,
// personal access tokens, the verification records bound to or created by
// the user, and their codes.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.exec(ctx, "delete user", func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx)
		return oneRow(res, err)
	})
}

// AddIdentity implements store.Identities.
func (s *Store) AddIdentity(ctx context.Context, userID, target string, id store.Identity) error {
	row, err := newIdentityRow(userID, target, id)
	if err != nil {
		return s.wrap("add identity", err)
	}
	const op = "add identity"
	err = s.unit(ctx, op, true, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return err
	})
	if !errors.Is(err, store.ErrDuplicateIdentity) {
		return err
	}
	// Both unique keys may be violated at once, when the user already has
	// this very identity; engines differ in which they report. The contract
	// says ErrConflict then: the user has an identity for target.
	has, err := s.db.NewSelect().Model((*identityRow)(nil)).Where("i.user_id = ? AND i.target = ?", userID, target).Exists(ctx)
	if err != nil {
		return s.mapErr(op, err)
	}
	if has {
		return store.ErrConflict
	}
	return store.ErrDuplicateIdentity
}

// PutIdentity implements store.Identities: an UPDATE of the user's identity
// for target, and an INSERT if there was none.
func (s *Store) PutIdentity(ctx context.Context, userID, target string, id store.Identity) (replaced bool, err error) {
	row, err := newIdentityRow(userID, target, id)
	if err != nil {
		return false, s.wrap("put identity", err)
	}
	err = s.unit(ctx, "put identity", false, func(ctx context.Context, db bun.IDB) error {
		replaced = false
		res, err := db.NewUpdate().Model(row).Column("social_user_id", "details").WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n > 0 {
			replaced = true
			return nil
		}
		// A concurrent PutIdentity may insert the same (user, target) first:
		// this one then replaces it, as if it had come second.
		_, err = db.NewInsert().Model(row).
			On("CONFLICT (user_id, target) DO UPDATE").
			Set("social_user_id = EXCLUDED.social_user_id").
			Set("details = EXCLUDED.details").
			Exec(ctx)
		return err
	})
	if err != nil {
		return false, err
	}
	return replaced, nil
}

// RemoveIdentity implements store.Identities.
func (s *Store) RemoveIdentity(ctx context.Context, userID, target string) error {
	return s.exec(ctx, "remove identity", func(db bun.IDB) error {
		res, err := db.NewDelete().Model((*identityRow)(nil)).
			Where("user_id = ? AND target = ?", userID, target).Exec(ctx)
		return oneRow(res, err)
	})
}

// sortedKeys returns the keys of m in order, so that rows go in in a stable
// order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
