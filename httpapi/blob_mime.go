package httpapi

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// sniffBlobMIME names the media type of a blob from its first bytes, for
// the binary formats whose signatures the reference's detector (the
// file-type package) knows and that people post: images, video, audio,
// PDF and common archives, with the names file-type gives them. It
// returns "" for anything else, text formats included, for which the
// reference keeps the type the client declared.
func sniffBlobMIME(b []byte) string {
	has := func(off int, sig string) bool {
		return len(b) >= off+len(sig) && string(b[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return "image/jpeg"
	case has(0, "\x89PNG\r\n\x1a\n"):
		if pngAnimated(b) {
			return "image/apng"
		}
		return "image/png"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "image/gif"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "image/webp"
	case has(0, "RIFF") && has(8, "WAVE"):
		return "audio/wav"
	case has(0, "RIFF") && has(8, "AVI "):
		return "video/vnd.avi"
	case has(4, "ftyp") && len(b) >= 12 && b[8]&0x60 != 0:
		return ftypMIME(b[8:12])
	case has(0, "\x1a\x45\xdf\xa3"):
		if bytes.Contains(b[:min(len(b), 64)], []byte("webm")) {
			return "video/webm"
		}
		return "video/matroska"
	case has(0, "\xff\x0a"), has(0, "\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"):
		return "image/jxl"
	case has(0, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a"):
		return "image/jp2"
	case has(0, "BM") && len(b) >= 14 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0:
		return "image/bmp"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "image/tiff"
	case has(0, "\x00\x00\x01\x00") && len(b) >= 6 && b[4] != 0:
		return "image/x-icon"
	case has(0, "8BPS"):
		return "image/vnd.adobe.photoshop"
	case has(0, "ID3"):
		return "audio/mpeg"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0 && b[1]&0x16 == 0x10:
		return "audio/aac"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0 && b[1]&0x06 != 0:
		return "audio/mpeg"
	case has(0, "OggS"):
		return oggMIME(b)
	case has(0, "fLaC"):
		return "audio/x-flac"
	case has(0, "%PDF"):
		return "application/pdf"
	case has(0, "PK\x03\x04"):
		return "application/zip"
	case has(0, "\x1f\x8b\x08"):
		return "application/gzip"
	}
	return ""
}

// ftypMIME names an ISO base media file (MP4, QuickTime, HEIF, AVIF) by
// its major brand, as file-type does.
func ftypMIME(brand []byte) string {
	major := strings.TrimSpace(strings.ReplaceAll(string(brand), "\x00", " "))
	switch major {
	case "avif", "avis":
		return "image/avif"
	case "mif1":
		return "image/heif"
	case "msf1":
		return "image/heif-sequence"
	case "heic", "heix":
		return "image/heic"
	case "hevc", "hevx":
		return "image/heic-sequence"
	case "qt":
		return "video/quicktime"
	case "M4V", "M4VH", "M4VP":
		return "video/x-m4v"
	case "M4P", "F4V", "F4P":
		return "video/mp4"
	case "M4A":
		return "audio/x-m4a"
	case "M4B", "F4A", "F4B":
		return "audio/mp4"
	case "crx":
		return "image/x-canon-cr3"
	}
	switch {
	case strings.HasPrefix(major, "3g2"):
		return "video/3gpp2"
	case strings.HasPrefix(major, "3g"):
		return "video/3gpp"
	}
	return "video/mp4"
}

// oggMIME names an Ogg stream by its first packet's codec.
func oggMIME(b []byte) string {
	if len(b) < 28 {
		return "application/ogg"
	}
	p := b[28:]
	switch {
	case bytes.HasPrefix(p, []byte("OpusHead")), bytes.HasPrefix(p, []byte("\x7fFLAC")),
		bytes.HasPrefix(p, []byte("Speex  ")), bytes.HasPrefix(p, []byte("\x01vorbis")):
		return "audio/ogg"
	case bytes.HasPrefix(p, []byte("\x80theora")), bytes.HasPrefix(p, []byte("\x01video")):
		return "video/ogg"
	}
	return "application/ogg"
}

// pngAnimated reports whether a PNG has an acTL chunk before its first
// IDAT chunk, which makes it an animated PNG.
func pngAnimated(b []byte) bool {
	for off := 8; off+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[off:]))
		switch string(b[off+4 : off+8]) {
		case "acTL":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(b) {
			return false
		}
		off += 12 + n
	}
	return false
}
