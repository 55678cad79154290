package httpapi

import "testing"

func TestSniffBlobMIME(t *testing.T) {
	pad := func(s string) []byte { return append([]byte(s), make([]byte, 32)...) }
	ftyp := func(brand string) []byte { return pad("\x00\x00\x00\x20ftyp" + brand + "\x00\x00\x00\x00") }
	apng := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + string(make([]byte, 17)) + "\x00\x00\x00\x08acTL")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", pad("\xff\xd8\xff\xe0"), "image/jpeg"},
		{"png", pad("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "image/png"},
		{"apng", apng, "image/apng"},
		{"gif", pad("GIF89a"), "image/gif"},
		{"webp", pad("RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"wav", pad("RIFF\x00\x00\x00\x00WAVEfmt "), "audio/wav"},
		{"mp4", ftyp("isom"), "video/mp4"},
		{"mov", ftyp("qt  "), "video/quicktime"},
		{"avif", ftyp("avif"), "image/avif"},
		{"heic", ftyp("heic"), "image/heic"},
		{"heif", ftyp("mif1"), "image/heif"},
		{"m4a", ftyp("M4A "), "audio/x-m4a"},
		{"3gp", ftyp("3gp5"), "video/3gpp"},
		{"webm", pad("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), "video/webm"},
		{"mkv", pad("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"), "video/matroska"},
		{"mp3 id3", pad("ID3\x03"), "audio/mpeg"},
		{"mp3 frame", pad("\xff\xfb\x90"), "audio/mpeg"},
		{"aac", pad("\xff\xf1\x50"), "audio/aac"},
		{"ogg opus", append(pad("OggS")[:28], []byte("OpusHead")...), "audio/ogg"},
		{"flac", pad("fLaC"), "audio/x-flac"},
		{"pdf", pad("%PDF-1.7"), "application/pdf"},
		{"zip", pad("PK\x03\x04"), "application/zip"},
		{"gzip", pad("\x1f\x8b\x08"), "application/gzip"},
		{"tiff", pad("II*\x00"), "image/tiff"},
		{"bmp", pad("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), "image/bmp"},
		{"text", []byte("hello world"), ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), ""},
		{"html", []byte("<!doctype html><html>"), ""},
		{"empty", nil, ""},
		{"short ftyp", []byte("\x00\x00\x00\x20ftyp"), ""},
	} {
		if got := sniffBlobMIME(tc.data); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func FuzzSniffBlobMIME(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
	f.Add([]byte("\x00\x00\x00\x20ftypisom"))
	f.Add([]byte("OggS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sniffBlobMIME(b)
	})
}
