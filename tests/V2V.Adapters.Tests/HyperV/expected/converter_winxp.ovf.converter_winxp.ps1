#Requires -Modules Hyper-V
# Hyper-V definition of 'converter_winxp', written by V2V. Run it on the Hyper-V host, from the
# folder holding the converted disks, or pass -DiskFolder. It creates the VM and stops if a VM
# of the same name exists; it never changes or removes one.
# Guest: winXPProGuest (from the source's guest OS id)
# WARNING: network adapter 1 (source network "dvportgroup-4574") is not connected: map it with --switch "dvportgroup-4574=SWITCH" (switch-map in a pipeline) or give --default-switch (default-switch)
# WARNING: CD/DVD drive ide0:0 not recreated: attach media by hand if needed
# WARNING: floppy: no Hyper-V equivalent, not mapped
# WARNING: winXPProGuest has no driver for Hyper-V's synthetic network adapter: Legacy Network Adapters instead (slower; the synthetic one needs integration services)
[CmdletBinding()]
param(
    [string] $DiskFolder = $PSScriptRoot,
    [string] $VmFolder
)
$ErrorActionPreference = 'Stop'
$name = 'converter_winxp'

if (Get-VM | Where-Object { $_.Name -eq $name }) {
    throw "A VM named '$name' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."
}

$disks = @(
    @{ Type = 'IDE'; Number = 0; Location = 0; File = 'converter_winxp-disk1.vhdx' }
)
foreach ($disk in $disks) {
    $path = Join-Path $DiskFolder $disk.File
    if (-not (Test-Path -LiteralPath $path)) { throw "Disk $path is missing: copy the converted disks next to this script." }
}

$newVm = @{ Name = $name; Generation = 1; MemoryStartupBytes = 268435456; NoVHD = $true }
if ($VmFolder) { $newVm.Path = $VmFolder }
$vm = New-VM @newVm
Set-VMProcessor -VM $vm -Count 2
Set-VMMemory -VM $vm -DynamicMemoryEnabled $false -StartupBytes 268435456
Set-VM -VM $vm -Notes 'Converted by V2V on 2026-01-15 from vmware VM "converter_winxp" (id converter_winxp). Content digests: disk1 blake3-1m:disk1.'
foreach ($disk in $disks) {
    Add-VMHardDiskDrive -VM $vm -ControllerType $disk.Type -ControllerNumber $disk.Number -ControllerLocation $disk.Location -Path (Join-Path $DiskFolder $disk.File)
}

# New-VM adds one unconnected adapter; the source's adapters replace it.
Get-VMNetworkAdapter -VM $vm | Remove-VMNetworkAdapter
Add-VMNetworkAdapter -VM $vm -Name 'Network Adapter 1' -IsLegacy $true

Set-VMBios -VM $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')

Write-Output "Created VM '$name'. Check it, then: Start-VM -Name '$name'"
