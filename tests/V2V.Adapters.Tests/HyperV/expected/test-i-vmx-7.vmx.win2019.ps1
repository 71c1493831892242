#Requires -Modules Hyper-V
# Hyper-V definition of 'win2019', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# WARNING: CD/DVD drive sata0:0 (/vmfs/volumes/624d796f-52b87554-ccba-a4ae111c9b1b/iso/en-us_windows_server_2019_updated_aug_2021_x64_dvd_a6431a28.iso) not recreated: attach media by hand if needed
# WARNING: usb_xhci: Hyper-V VMs have no USB controller (use Enhanced Session or USB over IP)
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = 'win2019'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'SCSI'; Number = 0; Location = 0; File = 'win2019-disk1.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 1; File = 'win2019-disk2.vhdx' }
)
foreach ($disk in $disks) {
    $path = Join-Path $DiskFolder $disk.File
    if (-not (Test-Path -LiteralPath $path)) { throw "Disk $path is missing: copy the converted disks next to this script." }
}

$newVm = @{ Name = $name; Generation = 2; MemoryStartupBytes = 4294967296; NoVHD = $true }
if ($VmFolder) { $newVm.Path = $VmFolder }
$vm = New-VM @newVm
Set-VMProcessor -VM $vm -Count 2
Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes 4294967296
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "win2019" (id 52 bb 00 73 da d0 a0 c7-ad 14 03 81 13 03 ed fe). Content digests: disk1 blake3-1m:disk1, disk2 blake3-1m:disk2.'
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -SwitchName 'External' -StaticMacAddress '000C29469B0B'

Set-VMFirmware -VM $vm -FirstBootDevice (Get-VMHardDiskDrive -VM $vm -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 0) -EnableSecureBoot On -SecureBootTemplate 'MicrosoftWindows'

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
