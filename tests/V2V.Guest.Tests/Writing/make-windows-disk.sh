# Builds a minimal Windows-like MBR disk for the fixup tests: one active NTFS partition (mkntfs,
# filled through an ntfs-3g FUSE mount as root) holding Windows\System32\config\SYSTEM (the hive
# given, with its .LOG1/.LOG2 when they lie beside it), placeholder IDE driver files in system32\drivers (all but those named in $3, space-
# separated) and a boot.ini whose default entry is a Disk2vhd-style forced-HAL one.
# Arguments: folder, SYSTEM hive, drivers to leave out.
set -e
cd "$1"
truncate -s 40M part.img
mkntfs -F -Q -q -c 4096 part.img
mkdir -p mnt
ntfs-3g part.img mnt
mkdir -p mnt/Windows/System32/config mnt/Windows/System32/drivers
cp "$2" mnt/Windows/System32/config/SYSTEM
for log in LOG1 LOG2; do [ ! -f "$2.$log" ] || cp "$2.$log" "mnt/Windows/System32/config/SYSTEM.$log"; done
for f in atapi.sys intelide.sys pciide.sys pciidex.sys; do
  case " $3 " in *" $f "*) ;; *) printf 'MZ placeholder %s' "$f" > "mnt/Windows/System32/drivers/$f";; esac
done
printf '[boot loader]\r\ntimeout=30\r\ndefault=multi(0)disk(0)rdisk(0)partition(1)\\WINDOWS\r\n[operating systems]\r\nmulti(0)disk(0)rdisk(0)partition(1)\\WINDOWS="Windows Server 2003 (Virtual PC)" /fastdetect /KERNEL=ntkrnlpa.exe /HAL=halacpi.dll\r\nmulti(0)disk(0)rdisk(0)partition(1)\\WINDOWS="Windows Server 2003, Enterprise" /fastdetect\r\n' > mnt/boot.ini
umount mnt
truncate -s 42M disk.img
printf 'label: dos\n2048,+40M,7,*\n' | sfdisk -q disk.img
dd if=part.img of=disk.img bs=1M seek=1 conv=notrunc,sparse status=none
rm part.img
