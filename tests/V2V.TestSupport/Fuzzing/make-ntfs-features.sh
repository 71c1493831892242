# Builds the small NTFS volume the guest-ntfs-features fuzz target mutates: mkntfs into an 8 MiB
# file, then through an ntfs-3g FUSE mount (root) the structures the Windows guest lacks: an
# LZNT1-compressed file, a sparse file, alternate data streams (enough for an $ATTRIBUTE_LIST), a
# directory big enough for $INDEX_ALLOCATION. Runs in the folder given.
set -e
cd "$1"
truncate -s 8M features.img
mkntfs -F -Q -q -c 4096 features.img
mkdir -p mnt
ntfs-3g -o compression,streams_interface=windows features.img mnt
trap 'umount mnt' EXIT
mkdir mnt/comp
setfattr -n system.ntfs_attrib_be -v 0x00000800 mnt/comp
seq 1 6000 > mnt/comp/text.txt
truncate -s 3M mnt/sparse.bin
printf middle | dd of=mnt/sparse.bin bs=1 seek=1048576 conv=notrunc status=none
printf main > mnt/ads.txt
printf small-stream > mnt/ads.txt:s1
# Forty named streams overflow the file's record: $ATTRIBUTE_LIST and extension records.
for i in $(seq 1 40); do printf "stream %d" $i > "mnt/ads.txt:stream_number_$i"; done
mkdir mnt/many
for i in $(seq 1 60); do printf "file %d" $i > "mnt/many/file_number_$i.txt"; done
