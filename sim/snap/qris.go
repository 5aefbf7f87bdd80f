package snap

import (
	"fmt"
	"strconv"
)

// QRIS is a dynamic QRIS MPM payload (EMVCo merchant-presented mode, as
// Bank Indonesia's QRIS standard profiles it) for amount rupiah, ending in
// its CRC-16/CCITT-FALSE.
func QRIS(merchant, city string, amount int64, ref string) string {
	tlv := func(tag, v string) string { return tag + fmt.Sprintf("%02d", len(v)) + v }
	account := tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936000140000000001") + tlv("02", "ID1026000000001") + tlv("03", "UMI")
	p := tlv("00", "01") + tlv("01", "12") + tlv("26", account) + tlv("51", tlv("00", "ID.CO.QRIS.WWW")+tlv("02", "ID1026000000001")) +
		tlv("52", "9399") + tlv("53", "360") + tlv("54", strconv.FormatInt(amount, 10)) + tlv("58", "ID") +
		tlv("59", merchant) + tlv("60", city) + tlv("62", tlv("05", ref)) + "6304"
	return p + fmt.Sprintf("%04X", crc16(p))
}

// crc16 is CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF).
func crc16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
