# Builds a small NTFS volume for the writer tests with mkntfs and an ntfs-3g FUSE mount (root):
# a 200000-byte file in Windows/System32/config (non-resident), a 5000-byte file (room to grow
# inside its last cluster), a resident boot.ini, and a compressed file. Runs in the folder given.
set -e
cd "$1"
truncate -s 16M vol.img
mkntfs -F -Q -q -c 4096 vol.img
mkdir -p mnt
ntfs-3g -o compression vol.img mnt
trap 'umount mnt' EXIT
mkdir -p mnt/Windows/System32/config mnt/comp
head -c 200000 /dev/urandom > mnt/Windows/System32/config/SYSTEM
head -c 5000 /dev/urandom > mnt/grow.bin
printf '[boot loader]\r\ntimeout=30\r\ndefault=multi(0)disk(0)rdisk(0)partition(1)\\WINDOWS\r\n[operating systems]\r\nmulti(0)disk(0)rdisk(0)partition(1)\\WINDOWS="Windows Server 2003" /fastdetect\r\n' > mnt/boot.ini
setfattr -n system.ntfs_attrib_be -v 0x00000800 mnt/comp
seq 1 20000 > mnt/comp/text.txt
