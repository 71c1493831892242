#Requires -Modules Hyper-V
# Hyper-V definition of '2K8R2EESP1_2_Medium', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# Guest: windows7Server64Guest (from the source's guest OS id)
# WARNING: network adapter 1 (source network "PG-VLAN60") is not connected: map it with --switch "PG-VLAN60=SWITCH" (switch-map in a pipeline) or give --default-switch (default-switch)
# WARNING: CD/DVD drive ide1:0 not recreated: attach media by hand if needed
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = '2K8R2EESP1_2_Medium'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'IDE'; Number = 0; Location = 0; File = '2K8R2EESP1_2_Medium-disk1.vhdx' }
    @{ Type = 'SCSI'; Number = 0; Location = 0; File = '2K8R2EESP1_2_Medium-disk2.vhdx' }
)
foreach ($disk in $disks) {
    $path = Join-Path $DiskFolder $disk.File
    if (-not (Test-Path -LiteralPath $path)) { throw "Disk $path is missing: copy the converted disks next to this script." }
}

$newVm = @{ Name = $name; Generation = 1; MemoryStartupBytes = 1073741824; NoVHD = $true }
if ($VmFolder) { $newVm.Path = $VmFolder }
$vm = New-VM @newVm
Set-VMProcessor -VM $vm -Count 1
Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes 1073741824
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "2K8R2EESP1_2_Medium" (id 2K8R2EESP1_2_Medium). Content digests: disk1 blake3-1m:disk1, disk2 blake3-1m:disk2.'
Add-VMScsiController -VM $vm
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1'

Set-VMBios -VM $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
