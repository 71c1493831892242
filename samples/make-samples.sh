#!/usr/bin/env bash
# Rebuilds the route samples from samples/tiny-boot/tiny-boot.img (run from the repository root,
# after `dotnet build V2V.sln -c Release`): an OVA as ovftool lays it out (OVF, SHA256 manifest,
# streamOptimized disk) and an XVA as xapi writes it (ova.xml, 1 MiB chunks without the all-zero
# ones, XXH64 checksum members). Needs tar, sha256sum, split, xxhsum (Debian package xxhash).
# Then builds samples/windows/windows.img (git-ignored) from the pieces in samples/windows: a
# Server 2003-like guest disk as Disk2vhd leaves it. Needs hivexsh (libhivex-bin), mkntfs and
# ntfs-3g (ntfs-3g; the FUSE mount needs root), sfdisk (fdisk), od, dd, truncate.
set -euo pipefail
v2v="dotnet src/V2V.Cli/bin/Release/net10.0/v2v.dll"
disk=samples/tiny-boot/tiny-boot.img
size=$(stat -c %s "$disk")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- OVA -------------------------------------------------------------------------------------
$v2v convert "$disk" "$work/tiny-boot-disk1.vmdk" --to vmdk --subformat streamOptimized --force --no-progress >/dev/null
cat > "$work/tiny-boot.ovf" <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>
    <File ovf:href="tiny-boot-disk1.vmdk" ovf:id="file1" ovf:size="$(stat -c %s "$work/tiny-boot-disk1.vmdk")"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="$size" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <NetworkSection><Info>Networks</Info><Network ovf:name="VM Network"><Description>VM Network</Description></Network></NetworkSection>
  <VirtualSystem ovf:id="tiny-boot">
    <Info>A virtual machine</Info>
    <Name>tiny-boot</Name>
    <OperatingSystemSection ovf:id="1" vmw:osType="otherGuest"><Info>OS</Info></OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <Item><rasd:ElementName>1 virtual CPU(s)</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>64MB of memory</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>64</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>IDE Controller 0</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>5</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>Hard Disk 1</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>7</rasd:AddressOnParent><rasd:Connection>VM Network</rasd:Connection><rasd:ElementName>Ethernet 1</rasd:ElementName><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="bios"/>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
OVF
(cd "$work" && for f in tiny-boot.ovf tiny-boot-disk1.vmdk; do echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"; done > tiny-boot.mf)
tar -C "$work" --format=ustar --owner=0 --group=0 --mtime=@0 -cf samples/vmware/tiny-boot.ova tiny-boot.ovf tiny-boot.mf tiny-boot-disk1.vmdk

# --- XVA -------------------------------------------------------------------------------------
mkdir -p "$work/xva/Ref:10"
cat > "$work/xva/ova.xml" <<XML
<value><struct><member><name>version</name><value><struct><member><name>export_vsn</name><value>2</value></member><member><name>product_brand</name><value>XCP-ng</value></member></struct></value></member><member><name>objects</name><value><array><data><value><struct><member><name>class</name><value>VM</value></member><member><name>id</name><value>Ref:1</value></member><member><name>snapshot</name><value><struct><member><name>uuid</name><value>0b5c5e2a-7a1d-4f2e-9d3c-000000000001</value></member><member><name>name_label</name><value>tiny-boot</value></member><member><name>is_a_template</name><value><boolean>0</boolean></value></member><member><name>VCPUs_max</name><value>1</value></member><member><name>memory_static_max</name><value>67108864</value></member><member><name>HVM_boot_policy</name><value>BIOS order</value></member><member><name>HVM_boot_params</name><value><struct><member><name>order</name><value>c</value></member></struct></value></member><member><name>VBDs</name><value><array><data><value>Ref:2</value></data></array></value></member><member><name>VIFs</name><value><array><data><value>Ref:3</value></data></array></value></member></struct></value></member></struct></value><value><struct><member><name>class</name><value>VBD</value></member><member><name>id</name><value>Ref:2</value></member><member><name>snapshot</name><value><struct><member><name>VM</name><value>Ref:1</value></member><member><name>VDI</name><value>Ref:10</value></member><member><name>userdevice</name><value>0</value></member><member><name>bootable</name><value><boolean>1</boolean></value></member><member><name>type</name><value>Disk</value></member></struct></value></member></struct></value><value><struct><member><name>class</name><value>VDI</value></member><member><name>id</name><value>Ref:10</value></member><member><name>snapshot</name><value><struct><member><name>name_label</name><value>tiny-boot</value></member><member><name>virtual_size</name><value>$size</value></member></struct></value></member></struct></value><value><struct><member><name>class</name><value>VIF</value></member><member><name>id</name><value>Ref:3</value></member><member><name>snapshot</name><value><struct><member><name>device</name><value>0</value></member><member><name>MAC</name><value>9a:4c:0e:00:00:01</value></member><member><name>network</name><value>Ref:4</value></member></struct></value></member></struct></value><value><struct><member><name>class</name><value>network</value></member><member><name>id</name><value>Ref:4</value></member><member><name>snapshot</name><value><struct><member><name>name_label</name><value>Pool-wide network associated with eth0</value></member></struct></value></member></struct></value></data></array></value></member></struct></value>
XML
split -b 1048576 -d -a 8 "$disk" "$work/xva/Ref:10/"
members=(ova.xml)
last=$(( (size + 1048575) / 1048576 - 1 ))
for chunk in $(cd "$work/xva" && ls Ref:10 | sort); do
  n=$((10#$chunk))
  file="$work/xva/Ref:10/$chunk"
  if [ "$n" -ne 0 ] && [ "$n" -ne "$last" ] && cmp -s -n "$(stat -c %s "$file")" "$file" /dev/zero; then
    continue   # all zero: xapi omits it
  fi
  printf '%s' "$(xxhsum -H1 "$work/xva/Ref:10/$chunk" | cut -d' ' -f1 | tr a-f A-F)" > "$work/xva/Ref:10/$chunk.xxhash"
  members+=("Ref:10/$chunk" "Ref:10/$chunk.xxhash")
done
tar -C "$work/xva" --format=v7 --owner=0 --group=0 --mtime=@0 -cf samples/xenserver/tiny-boot.xva "${members[@]}"
ls -l samples/vmware/tiny-boot.ova samples/xenserver/tiny-boot.xva

# --- Windows guest disk ------------------------------------------------------------------------
# hivex edits hives but cannot create one: empty_hive writes the smallest hive it opens (regf base
# block with its XOR checksum, one 4 KiB hbin: the root key, its security cell, one free cell); the
# committed hivexsh scripts then fill SYSTEM and SOFTWARE.
le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }
le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
put() { dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
empty_hive() {
  local file=$1 name=$2 nk=$((4096 + 0x20)) sk
  local nksize=$(( (4 + 76 + ${#name} + 7) / 8 * 8 ))
  sk=$((0x20 + nksize))
  truncate -s 8192 "$file"
  { printf regf; le32 1; le32 1; le32 0; le32 0; le32 1; le32 3; le32 0; le32 1; le32 0x20; le32 4096; le32 1; } | put "$file" 0
  { printf hbin; le32 0; le32 4096; } | put "$file" 4096
  { le32 $((-nksize)); printf nk; le16 0x2C; le32 0; le32 0; le32 0; le32 0xFFFFFFFF; le32 0; le32 0; le32 0xFFFFFFFF; le32 0xFFFFFFFF
    le32 0; le32 0xFFFFFFFF; le32 "$sk"; le32 0xFFFFFFFF; le32 0; le32 0; le32 0; le32 0; le32 0; le16 ${#name}; le16 0; printf %s "$name"; } | put "$file" "$nk"
  { le32 -48; printf sk; le16 0; le32 "$sk"; le32 "$sk"; le32 1; le32 20; printf '\x01\x00'; le16 0x8000; le32 0; le32 0; le32 0; le32 0; } | put "$file" $((4096 + sk))
  le32 $((4096 - sk - 48)) | put "$file" $((4096 + sk + 48))
  local sum=0 word
  for word in $(od -An -tu4 -N508 -v "$file"); do sum=$((sum ^ word)); done
  le32 "$sum" | put "$file" 508
}
win=samples/windows
empty_hive "$work/SYSTEM" SYSTEM
empty_hive "$work/SOFTWARE" SOFTWARE
hivexsh -w -f "$win/system.hivexsh" "$work/SYSTEM"
hivexsh -w -f "$win/software.hivexsh" "$work/SOFTWARE"
truncate -s 16M "$work/volume.img"
mkntfs -F -Q -q -c 4096 "$work/volume.img"
mkdir "$work/mnt"
ntfs-3g "$work/volume.img" "$work/mnt"
mkdir -p "$work/mnt/WINDOWS/system32/config" "$work/mnt/WINDOWS/system32/drivers"
cp "$work/SYSTEM" "$work/mnt/WINDOWS/system32/config/system"
cp "$work/SOFTWARE" "$work/mnt/WINDOWS/system32/config/software"
for driver in atapi intelide pciide pciidex megasas disk vmmouse; do printf 'placeholder %s.sys' "$driver" > "$work/mnt/WINDOWS/system32/drivers/$driver.sys"; done
printf 'placeholder ntldr' > "$work/mnt/ntldr"
# Disk2vhd's "Prepare for use in Virtual PC": the default entry forces the ACPI PIC HAL and a PAE kernel.
printf '[boot loader]\r\ntimeout=30\r\ndefault=multi(0)disk(0)rdisk(0)partition(1)\\WINDOWS\r\n[operating systems]\r\nmulti(0)disk(0)rdisk(0)partition(1)\\WINDOWS="Windows Server 2003, Standard (Virtual PC)" /noexecute=optout /fastdetect /KERNEL=ntkrnlpa.exe /HAL=halacpi.dll\r\nmulti(0)disk(0)rdisk(0)partition(1)\\WINDOWS="Windows Server 2003, Standard" /noexecute=optout /fastdetect\r\n' > "$work/mnt/boot.ini"
umount "$work/mnt"
rm -f "$win/windows.img"
truncate -s 17M "$win/windows.img"
printf 'label: dos\nlabel-id: 0x2003d2b0\n2048,,7,*\n' | sfdisk -q "$win/windows.img"
dd if="$work/volume.img" of="$win/windows.img" bs=1M seek=1 conv=notrunc,sparse status=none
ls -l "$win/windows.img"
