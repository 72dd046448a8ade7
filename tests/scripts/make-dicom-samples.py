#!/usr/bin/python3
"""make-dicom-samples.py: DICOM test files made at test time from Fovea's
synthetic samples, with DCMTK's tools and python3-pydicom (Debian's dcmtk
and python3-pydicom packages). tests/app/test-dicom.c runs it and checks
what Fovea reads from each file against the source image.

Usage: make-dicom-samples.py OUTDIR RGB.ppm|WxH FUNDUS.jpg

  RGB.ppm      a binary PPM (P6) of a synthetic sample, written by the test
               from its own decode of fundus-healthy.png; or WxH (16x12) for
               a drawn gradient, as the fuzz seed corpus was made:
                 make-dicom-samples.py tests/fuzz/corpus/dicom 16x12 \
                   tests/fixtures/decode/jpeg-orientation-1.jpg
  FUNDUS.jpg   a synthetic JPEG sample (fundus-lesions.jpg), wrapped as is

Files written (pixel expectations as test-dicom.c checks them):
  op-jpeg.dcm        img2dcm -oph: OP 8 bit, JPEG baseline, YBR_FULL_422,
                     Image Laterality R and patient tags    (±tolerance vs the JPEG)
  op-raw.dcm         OP 8 bit, RGB, explicit little endian, laterality L  (exact vs PPM)
  op-implicit.dcm    the same, implicit little endian                    (exact)
  op-rle.dcm         dcmcrle of op-raw.dcm                               (exact)
  op-lossless.dcm    dcmcjpeg +e1 (JPEG lossless SV1)                    (exact)
  op-jpegls.dcm      dcmcjpls (JPEG-LS lossless)                         (exact)
  op-multiframe.dcm  two RGB frames, the second inverted: the first is read
  sc-mono.dcm        Secondary Capture, MONOCHROME2 8 bit (green channel) (exact)
  sc-mono-jpeg.dcm   dcmcjpeg +ee (JPEG extended) of sc-mono.dcm          (±tolerance)
  sc-mono16.dcm      MONOCHROME2 16 bit = green × 257, no VOI window    (±1 after min-max)
  vl-photo.dcm       VL Photographic, RGB, Laterality (0020,0060) R only  (exact)
  sr.dcm             a Basic Text SR: no pixels, must be refused
  DICOMDIR           a media directory that lists no image, must be refused
"""
import os
import shutil
import subprocess
import sys

# Exit status 77 tells the test to skip: the tools are optional at test time.
TOOLS = ('img2dcm', 'dcmcrle', 'dcmcjpeg', 'dcmcjpls')
missing = [tool for tool in TOOLS if shutil.which(tool) is None]
if missing:
    print('missing DCMTK tools (Debian package dcmtk): ' + ', '.join(missing), file=sys.stderr)
    sys.exit(77)
try:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import (ExplicitVRLittleEndian, ImplicitVRLittleEndian,
                             generate_uid)
except ImportError:
    print('python3-pydicom is not installed', file=sys.stderr)
    sys.exit(77)

OP_8BIT = '1.2.840.10008.5.1.4.1.1.77.1.5.1'
SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7'
VL_PHOTO = '1.2.840.10008.5.1.4.1.1.77.1.4'
BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11'
MEDIA_DIRECTORY = '1.2.840.10008.1.3.10'
# Fixed, so that the test can check them; under 2.25 (UUID-derived).
STUDY_UID = '2.25.1234567890123456789012345678901234567'


def gradient(size):
    width, height = (int(v) for v in size.split('x'))
    pixels = bytes(((x * 255 // max(width - 1, 1)) if c == 0 else
                    (y * 255 // max(height - 1, 1)) if c == 1 else (x * y) % 256)
                   for y in range(height) for x in range(width) for c in range(3))
    return width, height, pixels


def read_ppm(path):
    data = open(path, 'rb').read()
    fields = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    assert fields[0] == b'P6' and fields[3] == b'255', 'expected an 8-bit P6 PPM'
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    assert len(pixels) == width * height * 3, 'PPM too short'
    return width, height, pixels


def base_dataset(sop_class, transfer_syntax, patient_id, laterality_tag=None, laterality=None):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = transfer_syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = 'ISO_IR 100'
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientID = patient_id
    ds.PatientName = 'Müller^Anna'   # Latin-1 in the file, UTF-8 once read
    ds.PatientBirthDate = '19550312'
    ds.PatientSex = 'F'
    ds.StudyDate = '20240502'
    ds.StudyTime = '101500'
    ds.StudyInstanceUID = STUDY_UID
    ds.SeriesInstanceUID = generate_uid()
    ds.StudyID = '1'
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.AccessionNumber = ''
    ds.ReferringPhysicianName = ''
    ds.Manufacturer = 'Fovea test'
    ds.Modality = 'OP' if sop_class == OP_8BIT else 'OT'
    if laterality_tag == 'image':
        ds.ImageLaterality = laterality
    elif laterality_tag == 'series':
        ds.Laterality = laterality
    return ds


def set_pixels(ds, width, height, samples, bits, frames):
    ds.Rows = height
    ds.Columns = width
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = 'RGB' if samples == 3 else 'MONOCHROME2'
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if len(frames) > 1:
        ds.NumberOfFrames = len(frames)
    data = b''.join(frames)
    if len(data) % 2:
        data += b'\0'
    ds.PixelData = data


def save(ds, path, implicit=False):
    ds.is_little_endian = True
    ds.is_implicit_VR = implicit
    ds.save_as(path, write_like_original=False)


def run(*command):
    subprocess.run(command, check=True)


def main():
    outdir, ppm, jpeg = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    out = lambda name: os.path.join(outdir, name)
    width, height, rgb = gradient(ppm) if 'x' in ppm and not os.path.exists(ppm) else read_ppm(ppm)
    green = rgb[1::3]

    ds = base_dataset(OP_8BIT, ExplicitVRLittleEndian, 'P018', 'image', 'L')
    set_pixels(ds, width, height, 3, 8, [rgb])
    save(ds, out('op-raw.dcm'))

    ds = base_dataset(OP_8BIT, ImplicitVRLittleEndian, 'P018', 'image', 'L')
    set_pixels(ds, width, height, 3, 8, [rgb])
    save(ds, out('op-implicit.dcm'), implicit=True)

    ds = base_dataset(OP_8BIT, ExplicitVRLittleEndian, 'P019', 'image', 'R')
    inverted = bytes(255 - v for v in rgb)
    set_pixels(ds, width, height, 3, 8, [rgb, inverted])
    save(ds, out('op-multiframe.dcm'))

    ds = base_dataset(SECONDARY_CAPTURE, ExplicitVRLittleEndian, 'P020')
    ds.ConversionType = 'WSD'
    set_pixels(ds, width, height, 1, 8, [green])
    save(ds, out('sc-mono.dcm'))

    ds = base_dataset(SECONDARY_CAPTURE, ExplicitVRLittleEndian, 'P020')
    ds.ConversionType = 'WSD'
    wide = b''.join((v * 257).to_bytes(2, 'little') for v in green)
    set_pixels(ds, width, height, 1, 16, [wide])
    save(ds, out('sc-mono16.dcm'))

    ds = base_dataset(VL_PHOTO, ExplicitVRLittleEndian, 'P021', 'series', 'R')
    ds.Modality = 'XC'
    set_pixels(ds, width, height, 3, 8, [rgb])
    save(ds, out('vl-photo.dcm'))

    # The JPEG as a camera stores it: wrapped without recompression.
    # OP's type 1 code sequences (device, anatomic region) are no concern of
    # the reader: --no-checks lets img2dcm write the file without them.
    run('img2dcm', '-q', '-oph', '--no-checks', jpeg, out('op-jpeg.dcm'),
        '-k', 'PatientID=P017', '-k', 'PatientName=Doe^Jane',
        '-k', 'PatientBirthDate=19600102', '-k', 'PatientSex=F',
        '-k', 'StudyDate=20240501', '-k', 'StudyInstanceUID=' + STUDY_UID,
        '-k', 'ImageLaterality=R', '-k', 'Manufacturer=Fovea test',
        '-k', 'ManufacturerModelName=Synthetic fundus camera')
    run('dcmcrle', '-q', out('op-raw.dcm'), out('op-rle.dcm'))
    run('dcmcjpeg', '-q', '+e1', out('op-raw.dcm'), out('op-lossless.dcm'))
    run('dcmcjpls', '-q', out('op-raw.dcm'), out('op-jpegls.dcm'))
    run('dcmcjpeg', '-q', '+ee', out('sc-mono.dcm'), out('sc-mono-jpeg.dcm'))

    ds = base_dataset(BASIC_TEXT_SR, ExplicitVRLittleEndian, 'P022')
    ds.Modality = 'SR'
    ds.ValueType = 'CONTAINER'
    ds.ContinuityOfContent = 'SEPARATE'
    save(ds, out('sr.dcm'))

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MEDIA_DIRECTORY
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.FileSetID = 'EMPTY'
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    ds.DirectoryRecordSequence = []
    save(ds, out('DICOMDIR'))


if __name__ == '__main__':
    main()
