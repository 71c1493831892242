#Requires -Modules Hyper-V
# Hyper-V definition of 'BZ1308535_21disks', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# WARNING: CD/DVD drive ide1:0 (/vmfs/volumes/5458b680-34ec3500-9f36-001320f5f6ca/ISOs/RHEL-7.1-20150219.1-Server-x86_64-boot.iso) not recreated: attach media by hand if needed
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = 'BZ1308535_21disks'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'IDE'; Number = 0; Location = 0; File = 'BZ1308535_21disks-disk1.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 0; File = 'BZ1308535_21disks-disk2.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 1; File = 'BZ1308535_21disks-disk3.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 2; File = 'BZ1308535_21disks-disk4.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 3; File = 'BZ1308535_21disks-disk5.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 4; File = 'BZ1308535_21disks-disk6.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 5; File = 'BZ1308535_21disks-disk7.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 6; File = 'BZ1308535_21disks-disk8.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 7; File = 'BZ1308535_21disks-disk9.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 8; File = 'BZ1308535_21disks-disk10.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 9; File = 'BZ1308535_21disks-disk11.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 10; File = 'BZ1308535_21disks-disk12.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 11; File = 'BZ1308535_21disks-disk13.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 12; File = 'BZ1308535_21disks-disk14.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 13; File = 'BZ1308535_21disks-disk15.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 14; File = 'BZ1308535_21disks-disk16.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 15; File = 'BZ1308535_21disks-disk17.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 16; File = 'BZ1308535_21disks-disk18.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 17; File = 'BZ1308535_21disks-disk19.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 18; File = 'BZ1308535_21disks-disk20.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 19; File = 'BZ1308535_21disks-disk21.vhdx' }
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
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "BZ1308535_21disks" (id 52 31 cb fc c1 3f 96 32-83 c0 bb 70 6c 90 5c fd). Content digests: disk1 blake3-1m:disk1, disk2 blake3-1m:disk2, disk3 blake3-1m:disk3, disk4 blake3-1m:disk4, disk5 blake3-1m:disk5, disk6 blake3-1m:disk6, disk7 blake3-1m:disk7, disk8 blake3-1m:disk8, disk9 blake3-1m:disk9, disk10 blake3-1m:disk10, disk11 blake3-1m:disk11, disk12 blake3-1m:disk12, disk13 blake3-1m:disk13, disk14 blake3-1m:disk14, disk15 blake3-1m:disk15, disk16 blake3-1m:disk16, disk17 blake3-1m:disk17, disk18 blake3-1m:disk18, disk19 blake3-1m:disk19, disk20 blake3-1m:disk20, disk21 blake3-1m:disk21.'
Add-VMScsiController -VM $vm
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -SwitchName 'External' -StaticMacAddress '000C2936EF31'

Set-VMBios -VM $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
