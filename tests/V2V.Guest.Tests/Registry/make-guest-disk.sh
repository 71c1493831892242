# Builds a small Windows-like MBR disk: partition 1 an NTFS volume without Windows, partition 2
# an NTFS volume holding Windows\System32\config with a dirty SYSTEM hive and its logs (names in
# mixed letter case) and a clean SOFTWARE hive, each volume made with mkntfs and filled through
# an ntfs-3g FUSE mount (root). Arguments: folder, SYSTEM, SYSTEM.LOG1, SYSTEM.LOG2, SOFTWARE.
set -e
cd "$1"
truncate -s 16M first.img
mkntfs -F -Q -q -c 4096 first.img
truncate -s 48M windows.img
mkntfs -F -Q -q -c 4096 windows.img
mkdir -p mnt
ntfs-3g first.img mnt
printf first > mnt/marker.txt
umount mnt
ntfs-3g windows.img mnt
printf windows > mnt/marker.txt
mkdir -p mnt/Windows/System32/config
cp "$2" mnt/Windows/System32/config/SYSTEM
cp "$3" mnt/Windows/System32/config/system.LOG1
cp "$4" mnt/Windows/System32/config/SYSTEM.log2
cp "$5" mnt/Windows/System32/config/SOFTWARE
umount mnt
truncate -s 66M disk.img
printf 'label: dos\n2048,+16M,7\n,+48M,7\n' | sfdisk -q disk.img
dd if=first.img of=disk.img bs=1M seek=1 conv=notrunc,sparse status=none
dd if=windows.img of=disk.img bs=1M seek=17 conv=notrunc,sparse status=none
rm first.img windows.img
