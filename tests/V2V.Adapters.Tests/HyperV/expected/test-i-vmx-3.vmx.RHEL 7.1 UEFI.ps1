#Requires -Modules Hyper-V
# Hyper-V definition of 'RHEL 7.1 UEFI', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# WARNING: CD/DVD drive ide1:0 (/vmfs/volumes/5458b680-34ec3500-9f36-001320f5f6ca/ISOs/RHEL-7.1-20150219.1-Server-x86_64-boot.iso) not recreated: attach media by hand if needed
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = 'RHEL 7.1 UEFI'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'SCSI'; Number = 0; Location = 0; File = 'RHEL 7.1 UEFI-disk1.vhdx' }
)
foreach ($disk in $disks) {
    $path = Join-Path $DiskFolder $disk.File
    if (-not (Test-Path -LiteralPath $path)) { throw "Disk $path is missing: copy the converted disks next to this script." }
}

$newVm = @{ Name = $name; Generation = 2; MemoryStartupBytes = 2147483648; NoVHD = $true }
if ($VmFolder) { $newVm.Path = $VmFolder }
$vm = New-VM @newVm
Set-VMProcessor -VM $vm -Count 1
Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes 2147483648
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "RHEL 7.1 UEFI" (id 52 3f 29 10 d3 81 16 43-fa b0 e3 af 3b ba 36 e5). Content digests: disk1 blake3-1m:disk1.'
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -SwitchName 'External' -StaticMacAddress '000C294B2B8C'

Set-VMFirmware -VM $vm -FirstBootDevice (Get-VMHardDiskDrive -VM $vm -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 0) -EnableSecureBoot On -SecureBootTemplate 'MicrosoftUEFICertificateAuthority'

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
