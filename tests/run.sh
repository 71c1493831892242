#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: installs the independent oracles the tests use
# (qemu-img, qemu-system-x86_64, bunzip2, b3sum, xxhsum, xxd, xz, zstd, sgdisk, sfdisk, hivexget,
# hivexregedit, ntfs-3g), govmomi's vSphere simulator (vcsim, built from Debian's Go packages), clang (the native build links with it) and wine64 (the Windows smoke suite)
# when they are missing, PowerShell 7 as a .NET tool (artifacts/tools/pwsh), builds in Release,
# publishes the native executable users install into artifacts/native (the tests that run v2v as a
# process run that) and the win-x64 build into artifacts/win-x64, runs every
# test project and ends with one line of totals: "N passed, N failed" (", N skipped" when some were skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v qemu-img >/dev/null || missing+=(qemu-utils)
command -v bunzip2 >/dev/null || missing+=(bzip2)
command -v b3sum >/dev/null || missing+=(b3sum)
command -v xxhsum >/dev/null || missing+=(xxhash)
command -v xz >/dev/null || missing+=(xz-utils)
command -v zstd >/dev/null || missing+=(zstd)
command -v xxd >/dev/null || missing+=(xxd)
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v losetup >/dev/null || missing+=(mount)
command -v sgdisk >/dev/null || missing+=(gdisk)
command -v sfdisk >/dev/null || missing+=(fdisk)
command -v clang >/dev/null || missing+=(clang)
[ -x /usr/lib/wine/wine64 ] || missing+=(wine64)
command -v hivexget >/dev/null || missing+=(libhivex-bin)
command -v hivexregedit >/dev/null || missing+=(libwin-hivex-perl)
command -v file >/dev/null || missing+=(file) # the undo .reg is identified as regedit writes it
# guest readers (V2V.Guest.Tests): NTFS volumes built through ntfs-3g, and one file system of each kind the probe names
command -v ntfs-3g >/dev/null || missing+=(ntfs-3g)
command -v setfattr >/dev/null || missing+=(attr)
command -v blkid >/dev/null || missing+=(util-linux)
command -v mkfs.vfat >/dev/null || missing+=(dosfstools)
command -v mkfs.exfat >/dev/null || missing+=(exfatprogs)
command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
command -v mkfs.xfs >/dev/null || missing+=(xfsprogs)
command -v mkfs.btrfs >/dev/null || missing+=(btrfs-progs)
command -v cryptsetup >/dev/null || missing+=(cryptsetup-bin)
command -v pvcreate >/dev/null || missing+=(lvm2)
# guest inspection (V2V.Guest.Tests, benchmark): virt-inspector reads the same test guests; its appliance boots a kernel from /boot
command -v virt-inspector >/dev/null || missing+=(libguestfs-tools)
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing+=(linux-image-amd64)
command -v strace >/dev/null || missing+=(strace) # the benchmark counts the bytes v2v inspect reads
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing test tools: ${missing[*]}"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi

# govmomi's vSphere simulator for the vSphere source tests, built offline from Debian's packages by
# the shared build script (about 2 minutes on a fresh machine); tests find it in artifacts/tools/vcsim.
vcsim_build=../shared/tools/vcsim/build.sh
if [ ! -x artifacts/tools/vcsim/vcsim ] || [ "$(dirname "$vcsim_build")/main.go" -nt artifacts/tools/vcsim/vcsim ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  [ -f "$vcsim_build" ] && $sudo bash "$vcsim_build" "$PWD/artifacts/tools/vcsim/vcsim" >/dev/null \
    || { echo "could not build the vSphere simulator with $vcsim_build"; echo "0 passed, 1 failed"; exit 1; }
fi

# PowerShell 7 proves the Hyper-V scripts V2V writes (tests find it in artifacts/tools/pwsh).
pwsh_version=7.6.9
if ! artifacts/tools/pwsh/pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$pwsh_version"; then
  rm -rf artifacts/tools/pwsh
  dotnet tool install --tool-path artifacts/tools/pwsh PowerShell --version "$pwsh_version" >/dev/null \
    || { echo "could not install PowerShell $pwsh_version"; echo "0 passed, 1 failed"; exit 1; }
fi

results=artifacts/test-results
rm -rf "$results"
dotnet build V2V.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
rm -rf artifacts/native
dotnet publish src/V2V.Cli -c Release -r linux-x64 -o artifacts/native -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
# The Windows build (self-contained, JIT: native AOT does not cross-compile to Windows from Linux)
# for the Windows smoke suite, which runs it under Wine.
rm -rf artifacts/win-x64
dotnet publish src/V2V.Cli -c Release -r win-x64 --self-contained -p:PublishAot=false -o artifacts/win-x64 -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
# An incremental publish copies an older link; the tests take the executable as current only when
# it is newer than the build they run beside.
touch artifacts/native/v2v
dotnet test V2V.sln -c Release --no-build -nologo --logger trx --results-directory "$results"
status=$?

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
  skipped=$((skipped + $(count notExecuted)))
done
# A crashed test host leaves no counters: never let that read as success.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
