# Builds the NTFS oracle volume: mkntfs into a file, then files laid out through an ntfs-3g FUSE
# mount (root): resident, non-resident, sparse, compressed, a directory needing
# $INDEX_ALLOCATION, non-ASCII names, alternate data streams, and a file so fragmented that its
# runlist spills into extension records ($ATTRIBUTE_LIST). Runs in the folder it is given.
set -e
cd "$1"
truncate -s 40M vol.img
mkntfs -F -Q -q -c 4096 vol.img
mkdir -p mnt
ntfs-3g -o compression,streams_interface=windows vol.img mnt
trap 'umount mnt' EXIT
printf hello > mnt/small.txt
head -c 700 /dev/urandom > mnt/resident700.bin
head -c 300000 /dev/urandom > mnt/medium.bin
truncate -s 20M mnt/sparse.bin
printf start | dd of=mnt/sparse.bin conv=notrunc status=none
printf middle | dd of=mnt/sparse.bin bs=1 seek=10485760 conv=notrunc status=none
mkdir mnt/comp
setfattr -n system.ntfs_attrib_be -v 0x00000800 mnt/comp
seq 1 60000 > mnt/comp/text.txt
head -c 100000 /dev/urandom > mnt/comp/random.bin
head -c 200000 /dev/zero > mnt/comp/zeros.bin
{ seq 1 20000; head -c 70000 /dev/urandom; seq 1 20000; } > mnt/comp/mixed.bin
mkdir mnt/many
for i in $(seq 1 300); do printf "file %d" $i > "mnt/many/a_rather_long_file_name_number_$i.txt"; done
mkdir "mnt/Ωmega"
printf 'grüße' > "mnt/Ωmega/Grüße.txt"
printf nihongo > "mnt/日本語ファイル.txt"
printf main > mnt/ads.txt
printf small-stream > mnt/ads.txt:s1
head -c 100000 /dev/urandom > mnt/ads.txt:big
mkdir mnt/frag
for i in $(seq 1 800); do head -c 4096 /dev/urandom > mnt/frag/fill$i; done
avail=$(df --output=avail -B1 mnt | tail -1)
head -c $((avail - 1700000)) /dev/zero > mnt/frag/filler || true
for i in $(seq 1 2 800); do rm mnt/frag/fill$i; done
head -c 1400000 /dev/urandom > mnt/frag/fragmented.bin
