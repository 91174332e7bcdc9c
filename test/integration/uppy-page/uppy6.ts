import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import { startPage } from './page';

startPage(6, Uppy, AwsS3, GoldenRetriever);
