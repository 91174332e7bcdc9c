// Here, beside this package's own node_modules, so that '@uppy/…' resolves to Uppy 5.
import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import { startPage } from '../uppy-page/page';

startPage(5, Uppy, AwsS3, GoldenRetriever);
