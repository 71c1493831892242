#Requires -Modules Hyper-V
# Hyper-V definition of 'Windows 7 x64', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# Guest: windows7-64 (from the source's guest OS id)
# WARNING: CD/DVD drive ide1:0 (/vmfs/volumes/5458b680-34ec3500-9f36-001320f5f6ca/ISOs/en_windows_7_ultimate_with_sp1_x64_dvd_u_677332.iso) not recreated: attach media by hand if needed
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = 'Windows 7 x64'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'IDE'; Number = 0; Location = 0; File = 'Windows 7 x64-disk1.vhdx' }
)
foreach ($disk in $disks) {
    $path = Join-Path $DiskFolder $disk.File
    if (-not (Test-Path -LiteralPath $path)) { throw "Disk $path is missing: copy the converted disks next to this script." }
}

$newVm = @{ Name = $name; Generation = 1; MemoryStartupBytes = 2147483648; NoVHD = $true }
if ($VmFolder) { $newVm.Path = $VmFolder }
$vm = New-VM @newVm
Set-VMProcessor -VM $vm -Count 1
Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes 2147483648
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "Windows 7 x64" (id 52 7a 63 e1 2c 2f 50 46-91 66 3a e8 fa f9 c4 65). Content digests: disk1 blake3-1m:disk1.'
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -SwitchName 'External' -StaticMacAddress '000C29948923'

Set-VMBios -VM $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
