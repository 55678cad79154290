package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/boltsky/boltsky/atp/crypto"
)

// secrets are the node's keys. Those not set in the configuration are
// generated once and kept in DataDir/secrets.json (mode 0600).
type secrets struct {
	JWTSecret   string `json:"jwt_secret"`
	SealKey     string `json:"seal_key"`
	RotationKey string `json:"rotation_key"`
}

// loadSecrets fills the secrets the configuration leaves empty from the
// data directory, generating and storing any that are missing.
func loadSecrets(cfg Config) (secrets, error) {
	path := filepath.Join(cfg.DataDir, "secrets.json")
	var stored secrets
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &stored); err != nil {
			return stored, fmt.Errorf("cannot read %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return stored, fmt.Errorf("cannot read %s: %w", path, err)
	}
	changed := false
	gen := func(cur *string, make func() (string, error)) error {
		if *cur != "" {
			return nil
		}
		v, err := make()
		if err != nil {
			return err
		}
		*cur, changed = v, true
		return nil
	}
	random32 := func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(b), nil
	}
	rotation := func() (string, error) {
		k, err := crypto.GeneratePrivateKey(crypto.K256, nil)
		if err != nil {
			return "", err
		}
		return k.ExportMultibase(), nil
	}
	if err := errors.Join(gen(&stored.JWTSecret, random32), gen(&stored.SealKey, random32), gen(&stored.RotationKey, rotation)); err != nil {
		return stored, fmt.Errorf("cannot generate secrets: %w", err)
	}
	if changed {
		b, _ := json.MarshalIndent(stored, "", "  ")
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return stored, fmt.Errorf("cannot create %s: %w", cfg.DataDir, err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return stored, fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	out := secrets{JWTSecret: cfg.JWTSecret, SealKey: cfg.SealKey, RotationKey: cfg.RotationKey}
	if out.JWTSecret == "" {
		out.JWTSecret = stored.JWTSecret
	}
	if out.SealKey == "" {
		out.SealKey = stored.SealKey
	}
	if out.RotationKey == "" {
		out.RotationKey = stored.RotationKey
	}
	return out, nil
}
